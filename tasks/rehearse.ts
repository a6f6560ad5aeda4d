/**
 * Rehearsals on a throwaway copy of the database (SQLite's online backup): `--dry-run` shows what `migrate`
 * would do, `migrate:verify` proves that every `down` undoes its `up`. The real database is only read.
 */
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { diffSchema, formatSchemaDiff, type SchemaChange, type SchemaObject } from './core/schema'
import { describeThrown } from './errors'
import type { CompiledMigration } from './io/migration-files'
import { readSchema } from './io/schema'
import { applyMigrations, checkedPlan, rollbackMigrations } from './api'
import { DEFAULT_OPTIONS, type ApplyOptions, type RunOptions } from './options'
import type { MigrationResult } from './run-log'

/** Copies the database at `path` (or starts empty when it does not exist) to a temporary file, and runs `body` on the copy. */
async function withCopy<T>(path: string, body: (copy: Database.Database, statements: string[]) => Promise<T>): Promise<T> {
  const copyPath = join(tmpdir(), `gulp-sqlite-migrate-rehearsal-${process.pid}-${randomBytes(4).toString('hex')}.sqlite3`)
  try {
    if (existsSync(path)) {
      const source = new Database(path, { readonly: true, fileMustExist: true })
      try {
        await source.backup(copyPath)
      } finally {
        source.close()
      }
    }
    const statements: string[] = []
    const copy = new Database(copyPath, { verbose: (sql) => statements.push(String(sql)) })
    try {
      return await body(copy, statements)
    } finally {
      copy.close()
    }
  } finally {
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(copyPath + suffix, { force: true })
  }
}

export interface DryRunMigration {
  readonly id: string
  readonly outcome: MigrationResult['outcome']
  readonly durationMs: number
  readonly error?: string
  /** The SQL the migration executed, in order, with bound values expanded where SQLite provides them. */
  readonly statements: readonly string[]
}

export interface DryRunReport {
  /** Ids that `migrate` would apply, in order. */
  readonly plan: readonly string[]
  readonly migrations: readonly DryRunMigration[]
  readonly schemaChanges: readonly SchemaChange[]
  /** Why the rehearsal stopped, when it failed. */
  readonly error?: string
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
  const table = options.table ?? DEFAULT_OPTIONS.table
  return withCopy(path, async (copy, statements) => {
    const before = readSchema(copy, table)
    const perMigration = new Map<string, string[]>()
    let current: string[] | undefined
    let planned: string[] = []
    let error: string | undefined
    let results: readonly MigrationResult[] = []
    try {
      planned = [...checkedPlan(copy, available, options).pending]
      const result = await applyMigrations(copy, available, {
        ...options,
        onEvent(event) {
          if (event.type === 'migration-start') {
            current = []
            perMigration.set(event.id, current)
            statements.length = 0
          } else if (event.type === 'migration-end') {
            current?.push(...statements)
            current = undefined
          }
          options.onEvent?.(event)
        },
      })
      results = result.results
    } catch (caught) {
      error = describeThrown(caught)
      results = (caught as { results?: readonly MigrationResult[] }).results ?? []
      if (current) current.push(...statements)
    }
    if (options.to !== undefined) planned = planned.filter((id) => results.some((r) => r.id === id) || perMigration.has(id))
    return {
      plan: planned,
      migrations: results.map((r) => ({
        id: r.id,
        outcome: r.outcome,
        durationMs: r.durationMs,
        error: r.error,
        statements: perMigration.get(r.id) ?? [],
      })),
      schemaChanges: diffSchema(before, readSchema(copy, table)),
      error,
    }
  })
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
  return withCopy(path, async (copy) => {
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
