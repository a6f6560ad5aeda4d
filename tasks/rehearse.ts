/**
 * Rehearsals on a throwaway copy of the database (`io/rehearsal-copy.ts`): `--dry-run` shows what `migrate`
 * would do, `migrate:verify` proves that every `down` undoes its `up`. The real database is only read.
 */
import { diffSchema, type SchemaChange, type SchemaObject } from './core/schema'
import { describeThrown, MigrateError, type Problem } from './errors'
import type { CompiledMigration } from './io/migration-files'
import { withRehearsalCopy } from './io/rehearsal-copy'
import { readSchema, schemaDifferences } from './io/schema'
import type { Database } from 'better-sqlite3'
import { applyMigrations, checkedPlan, redoMigrations, rollbackMigrations, type RollbackRunOptions } from './api'
import { DEFAULT_OPTIONS, type ApplyOptions, type RunOptions } from './options'
import type { MigrationResult, RunEvent, RunResult } from './run-log'

export interface DryRunMigration {
  readonly id: string
  readonly outcome: MigrationResult['outcome']
  readonly durationMs: number
  readonly error?: string
  /** The SQL the migration executed, in order, with bound values expanded where SQLite provides them. */
  readonly statements: readonly string[]
}

export interface DryRunReport {
  /** What was rehearsed: `migrate`, `migrate:down` or `migrate:redo`. */
  readonly operation: 'apply' | 'rollback' | 'redo'
  /** Ids the command would act on, in order. */
  readonly plan: readonly string[]
  readonly migrations: readonly DryRunMigration[]
  readonly schemaChanges: readonly SchemaChange[]
  /** Why the rehearsal stopped, when it failed. */
  readonly error?: string
  /** The problem that stopped it, when it is one the user can fix. */
  readonly problem?: Problem
}

type Operation = (copy: Database, onEvent: (event: RunEvent) => void) => Promise<RunResult>

/** Runs `operation` on a copy of the database at `path`, recording each migration's SQL and the schema diff. */
async function rehearse(
  path: string,
  table: string,
  kind: DryRunReport['operation'],
  operation: Operation,
  onEvent?: (e: RunEvent) => void,
) {
  return withRehearsalCopy(path, async (copy, statements): Promise<DryRunReport> => {
    const before = readSchema(copy, table)
    const perMigration = new Map<string, string[]>()
    let current: string[] | undefined
    let error: string | undefined
    let problem: Problem | undefined
    let results: readonly MigrationResult[]
    const record = (event: RunEvent) => {
      if (event.type === 'migration-start') {
        current = perMigration.get(event.id) ?? []
        perMigration.set(event.id, current)
        statements.length = 0
      } else if (event.type === 'migration-end') {
        current?.push(...statements)
        current = undefined
      }
      onEvent?.(event)
    }
    try {
      results = (await operation(copy, record)).results
    } catch (caught) {
      error = describeThrown(caught)
      problem = caught instanceof MigrateError ? caught.problem : undefined
      results = (caught as { results?: readonly MigrationResult[] }).results ?? []
      if (current) current.push(...statements)
    }
    return {
      operation: kind,
      plan: [...new Set(results.map((r) => r.id))],
      migrations: results.map((r) => ({ ...r, statements: perMigration.get(r.id) ?? [] })),
      schemaChanges: diffSchema(before, readSchema(copy, table)),
      error,
      problem,
    }
  })
}

/**
 * What `migrate` would do, rehearsed on a temporary copy of the database at `path` (which is only read): the
 * plan, each migration's outcome and SQL, and the schema diff.
 *
 * @example
 * ```ts
 * const report = await dryRun('var/app.sqlite3', listCompiledMigrations(folders))
 * console.log(report.plan, report.schemaChanges, report.error ?? 'would succeed')
 * ```
 */
export async function dryRun(path: string, available: readonly CompiledMigration[], options: ApplyOptions = {}): Promise<DryRunReport> {
  let planned: readonly string[] = []
  const report = await rehearse(
    path,
    options.table ?? DEFAULT_OPTIONS.table,
    'apply',
    (copy, onEvent) => {
      planned = checkedPlan(copy, available, options).pending
      return applyMigrations(copy, available, { ...options, onEvent })
    },
    options.onEvent,
  )
  // A plan refused before anything ran still shows what was pending; --to limits it to what it reaches.
  const known = new Set(report.plan)
  const plan = options.to === undefined || report.error ? [...planned] : planned.filter((id) => known.has(id))
  return { ...report, plan: report.plan.length > 0 ? report.plan : plan }
}

/**
 * What `migrate:down` (or, with `redo: true`, `migrate:redo`) would do, rehearsed on a temporary copy.
 *
 * @example
 * ```ts
 * const report = await dryRunRollback('var/app.sqlite3', listCompiledMigrations(folders), { step: 2 })
 * ```
 */
export async function dryRunRollback(
  path: string,
  available: readonly CompiledMigration[],
  options: RollbackRunOptions & { readonly redo?: boolean } = {},
): Promise<DryRunReport> {
  const { redo, ...rest } = options
  const run = redo ? redoMigrations : rollbackMigrations
  return rehearse(path, options.table ?? DEFAULT_OPTIONS.table, redo ? 'redo' : 'rollback', (copy, onEvent) =>
    run(copy, available, { ...rest, beforeChanges: undefined, onEvent }),
  )
}

export interface VerifyResult {
  readonly id: string
  readonly ok: boolean
  /** The migration has no `down`, so there is no down path to verify (it is not ok). */
  readonly withoutDown?: boolean
  /** What went wrong: a missing or throwing down or up, or the schema differences (readable lines). */
  readonly problems: readonly string[]
}

export interface VerifyReport {
  /** Every pending migration that was verified, oldest first. */
  readonly results: readonly VerifyResult[]
  /** Migrations not verified because an older one's `up` failed, so they could not be applied. */
  readonly notVerified: readonly string[]
}

interface Verifier {
  readonly up: (copy: Database, id: string) => Promise<unknown>
  readonly down: (copy: Database) => Promise<unknown>
  readonly schema: (copy: Database) => SchemaObject[]
}

/** How verifying one migration ended: `next` is the schema it leaves; without it the copy must be re-made. */
interface Verified {
  readonly result: VerifyResult
  readonly next?: SchemaObject[]
  /** Its `up` failed: nothing newer can be applied. */
  readonly fatal?: boolean
}

const hasNoDown = (error: unknown, id: string) =>
  error instanceof MigrateError &&
  error.problem.kind === 'cannot-roll-back' &&
  error.problem.blockers.some((b) => b.reason === 'no-down' && b.file.includes(id))

/**
 * Verifies migration `id` on a copy at the state of the migrations before it (`before`): up, down (same
 * schema as before?), up again (same schema as after the first up?).
 */
async function verifyOne(copy: Database, id: string, before: SchemaObject[], v: Verifier): Promise<Verified> {
  const failed = (problems: string[], more: Partial<Verified> = {}): Verified => ({ result: { id, ok: false, problems }, ...more })
  const differences = (expected: SchemaObject[], actual: SchemaObject[], sides: string, label: string) => {
    const lines = schemaDifferences(expected, actual, { actual: sides })
    return lines.length === 0 ? [] : [label, ...lines.map((line) => `  ${line}`)]
  }
  try {
    await v.up(copy, id)
  } catch (error) {
    return failed([`up failed: ${describeThrown(error)}`], { fatal: true })
  }
  const after = v.schema(copy)
  try {
    await v.down(copy)
  } catch (error) {
    // A refused rollback changed nothing: the copy is still in this migration's state, so the next one goes on from it.
    if (hasNoDown(error, id)) return { result: { id, ok: false, withoutDown: true, problems: ['it has no down'] }, next: after }
    return failed([`down failed: ${describeThrown(error)}`])
  }
  const undone = differences(
    before,
    v.schema(copy),
    'after down',
    'down did not restore the schema from before up (expected → after down):',
  )
  if (undone.length > 0) return failed(undone)
  try {
    await v.up(copy, id)
  } catch (error) {
    return failed([`up after down failed: ${describeThrown(error)}`])
  }
  const again = v.schema(copy)
  const redone = differences(
    after,
    again,
    'after up again',
    'up after down did not give the schema of the first up (expected → after up again):',
  )
  return redone.length > 0 ? failed(redone) : { result: { id, ok: true, problems: [] }, next: again }
}

/**
 * Proves the down path on copies of the database at `path` (which is only read): for each pending migration,
 * oldest first, it applies it, runs its `down` and compares the schema with the one before its `up` (by
 * meaning: see `core/schema-model.ts`), runs `up` again and compares with the one after it. Every pending
 * migration is verified: after a failure the next one goes on from a fresh copy brought to its state by
 * applying the older ones again; only an `up` that fails stops it (newer migrations need it).
 *
 * @example
 * ```ts
 * const report = await verifyDownPaths(':memory:', listCompiledMigrations(folders)) // a fresh database: every migration
 * const broken = report.results.filter((r) => !r.ok)
 * ```
 */
export async function verifyDownPaths(
  path: string,
  available: readonly CompiledMigration[],
  options: ApplyOptions = {},
): Promise<VerifyReport> {
  const table = options.table ?? DEFAULT_OPTIONS.table
  // The connection settings only: each step below names its own target, and progress events stay inside.
  const quiet: RunOptions = { table: options.table, transactionMode: options.transactionMode, busyTimeoutMs: options.busyTimeoutMs }
  const v: Verifier = {
    up: (copy, id) => applyMigrations(copy, available, { ...quiet, allowMissing: options.allowMissing, to: id, allowOutOfOrder: true }),
    down: (copy) => rollbackMigrations(copy, available, { ...quiet, step: 1 }),
    schema: (copy) => readSchema(copy, table),
  }
  let pending: readonly string[] | undefined
  const results: Array<VerifyResult & { problems: string[] }> = []
  let stopped = false
  // One copy while every migration passes; a failure leaves its copy in an unknown state, so the next starts a new one.
  while (!stopped && (pending === undefined || results.length < pending.length)) {
    stopped = await withRehearsalCopy(path, async (copy) => {
      if (pending === undefined) pending = checkedPlan(copy, available, options).pending
      else if (!(await rebuild(copy, pending[results.length - 1], v, results))) return true
      let before = v.schema(copy)
      for (const id of pending.slice(results.length)) {
        const { result, next, fatal } = await verifyOne(copy, id, before, v)
        results.push({ ...result, problems: [...result.problems] })
        if (fatal) return true
        if (!next) return false
        before = next
      }
      return false
    })
  }
  return { results, notVerified: (pending ?? []).slice(results.length) }
}

/** Brings a fresh copy to the state after `id` by applying the pending migrations up to it again. */
async function rebuild(copy: Database, id: string, v: Verifier, results: Array<{ problems: string[] }>): Promise<boolean> {
  try {
    await v.up(copy, id)
    return true
  } catch (error) {
    results[results.length - 1].problems.push(
      `the newer migrations were not verified: applying them again to a fresh copy failed: ${describeThrown(error)}`,
    )
    return false
  }
}
