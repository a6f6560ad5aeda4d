/**
 * Rehearsals on a throwaway copy of the database (`io/rehearsal-copy.ts`): `--dry-run` shows what `migrate`
 * would do, `migrate:verify` proves that every `down` undoes its `up`. The real database is only read.
 */
import { diffSchema, formatSchemaDiff, type SchemaChange, type SchemaObject } from './core/schema'
import { describeThrown, MigrateError, type Problem } from './errors'
import type { CompiledMigration } from './io/migration-files'
import { withRehearsalCopy } from './io/rehearsal-copy'
import { readSchema } from './io/schema'
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
  /** What went wrong: a missing or throwing down, or the schema differences (readable diff lines). */
  readonly problems: readonly string[]
}

export interface VerifyReport {
  readonly results: readonly VerifyResult[]
  /** Migrations not verified because a newer one's down failed or left a different schema. */
  readonly notVerified: readonly string[]
}

/**
 * Proves the down path on a copy: applies every pending migration one at a time, then from the newest down
 * runs each `down` and compares the schema with the one before its `up`, then runs `up` again and compares
 * with the one after it.
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
  return withRehearsalCopy(path, async (copy) => {
    const pending = [...checkedPlan(copy, available, options).pending]
    const snapshots: Array<{ id: string; before: SchemaObject[]; after: SchemaObject[] }> = []
    // The connection settings only: each step below names its own target, and progress events stay inside.
    const quiet: RunOptions = { table: options.table, transactionMode: options.transactionMode, busyTimeoutMs: options.busyTimeoutMs }
    for (const id of pending) {
      const before = readSchema(copy, table)
      await applyMigrations(copy, available, { ...quiet, allowMissing: options.allowMissing, to: id, allowOutOfOrder: true })
      snapshots.push({ id, before, after: readSchema(copy, table) })
    }
    const results: VerifyResult[] = []
    const diff = (expected: SchemaObject[], label: string) => {
      const changes = diffSchema(expected, readSchema(copy, table))
      return changes.length === 0 ? [] : [label, ...formatSchemaDiff(changes).map((line) => `  ${line}`)]
    }
    for (let i = snapshots.length - 1; i >= 0; i--) {
      const { id, before, after } = snapshots[i]
      const problems: string[] = []
      try {
        await rollbackMigrations(copy, available, { ...quiet, step: 1 })
        problems.push(...diff(before, 'down did not restore the schema from before up (- expected, + after down):'))
        if (problems.length === 0) {
          await applyMigrations(copy, available, { ...quiet, allowMissing: options.allowMissing, to: id, allowOutOfOrder: true })
          problems.push(...diff(after, 'up after down did not give the same schema as the first up (- first up, + second up):'))
          await rollbackMigrations(copy, available, { ...quiet, step: 1 }) // back to the state the next older one left
        }
      } catch (error) {
        problems.push(describeThrown(error))
      }
      if (problems.length > 0) {
        // The copy is no longer in the state the older migrations left: stop here rather than report noise.
        results.push({ id, ok: false, problems })
        return {
          results,
          notVerified: snapshots
            .slice(0, i)
            .map((s) => s.id)
            .reverse(),
        }
      }
      results.push({ id, ok: true, problems })
    }
    return { results, notVerified: [] }
  })
}
