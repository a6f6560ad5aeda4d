/**
 * One database of a fleet: opened, run with today's single-database runner (same guarantees: each migration
 * atomic with its record, drift refused, the write lock), closed. Whatever goes wrong is this database's result,
 * never the fleet's: a corrupt, locked, read-only or drifted file fails alone with its one-line reason.
 *
 * Runs in a worker thread (see `worker.ts`) or in the calling thread; both hold a {@link FleetContext} made once,
 * so the migration modules are loaded once per thread, not once per database.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { applyMigrations, rollbackMigrations } from '../api'
import { CHANGED, type DatabaseVersion, type FleetOutcome } from '../core/fleet'
import { migrationId } from '../core/migration-name'
import { planMigrations } from '../core/plan'
import type { RollbackTarget } from '../core/selection'
import { describeThrown, MigrateError } from '../errors'
import { backupDatabase, backupPath } from '../io/backup'
import { openDatabase } from '../io/database'
import { Ledger } from '../io/ledger'
import { loadMigration, type CompiledMigration } from '../io/migration-files'
import type { DriverName } from '../options'
import type { Problem } from '../problems'
import type { Migration } from '../types'
import type { TransactionMode } from '../core/units'

/** What to do on each database: plain data, so that it crosses to a worker thread. */
export type FleetJob =
  | {
      readonly kind: 'apply'
      readonly to?: string
      readonly allowOutOfOrder?: boolean
      readonly allowMissing?: boolean
      /** Back each database up next to it before its first change. */
      readonly backup?: boolean
    }
  | { readonly kind: 'rollback'; readonly target: RollbackTarget; readonly backup?: boolean }
  | { readonly kind: 'dry-run'; readonly to?: string; readonly allowOutOfOrder?: boolean; readonly allowMissing?: boolean }
  | { readonly kind: 'status' }

/** The connection settings of every database of the run: plain data too. */
export interface FleetConnection {
  readonly table?: string
  readonly busyTimeoutMs?: number
  readonly transactionMode?: TransactionMode
  readonly driver?: DriverName
}

export interface FleetDatabaseResult {
  /** The database path as given. */
  readonly database: string
  readonly outcome: FleetOutcome
  /** Migrations applied (or rolled back) in it, in order. */
  readonly ids: readonly string[]
  /** Why it failed, in one line. */
  readonly error?: string
  /** The problem as data, when it is one the user can fix. */
  readonly problem?: Problem
  /** For a status job: where it stands. */
  readonly version?: DatabaseVersion
  readonly durationMs: number
}

export interface FleetContext {
  readonly available: readonly CompiledMigration[]
  readonly job: FleetJob
  readonly connection: FleetConnection
}

/** Modules loaded once per thread and per migration: a fleet of 1000 databases requires each file once. */
const modules = new Map<string, Migration>()
function loaded(available: readonly CompiledMigration[]): ReadonlyMap<string, Migration> {
  for (const migration of available) if (!modules.has(migration.file)) modules.set(migration.file, loadMigration(migration))
  return new Map(available.map((m) => [m.id, modules.get(m.file) as Migration]))
}

function versionOf(database: string, context: FleetContext, rows: ReturnType<Ledger['read']>): DatabaseVersion {
  const plan = planMigrations(context.available, rows, { allowOutOfOrder: false })
  const applied = rows.map((r) => migrationId(r.name))
  // A helper is edited when the version compiled now is not the one an applied migration imported.
  const compiled = new Map(context.available.map((m) => [m.id, m.helpers ?? {}]))
  const changedHelpers = [
    ...new Set(
      rows.flatMap((row) =>
        Object.entries(row.helpers ?? {})
          .filter(([helper, checksum]) => compiled.get(migrationId(row.name))?.[helper] !== checksum)
          .map(([helper]) => helper),
      ),
    ),
  ]
  return {
    database,
    lastApplied: applied.at(-1) ?? null,
    pending: plan.pending.length,
    drifted: [...plan.changed, ...plan.missing, ...plan.outOfOrder, ...changedHelpers.map((h) => `helper ${h}`)],
    outOfOrder: plan.outOfOrder,
    changedHelpers,
  }
}

/** A database of the list that does not exist yet: every migration pending (`migrate` creates it). */
const notCreated = (database: string, context: FleetContext): DatabaseVersion => ({
  database,
  lastApplied: null,
  pending: context.available.length,
  drifted: [],
})

async function run(database: string, context: FleetContext): Promise<Pick<FleetDatabaseResult, 'ids' | 'version'>> {
  const { job, connection, available } = context
  const options = { table: connection.table, busyTimeoutMs: connection.busyTimeoutMs, transactionMode: connection.transactionMode }
  if (job.kind === 'dry-run') {
    const { dryRun } = await import('../rehearse')
    const report = await dryRun(database, available, { ...options, ...job })
    if (report.error) throw report.problem ? new MigrateError(report.problem) : new Error(report.error)
    return { ids: report.plan }
  }
  if (job.kind === 'status' && !existsSync(database)) return { ids: [], version: notCreated(database, context) }
  const { busyTimeoutMs, driver } = connection
  const db = openDatabase(database, { busyTimeoutMs, driver, readonly: job.kind === 'status' })
  try {
    if (job.kind === 'status')
      return { ids: [], version: versionOf(database, context, new Ledger(db, connection.table ?? 'migrations').read()) }
    const beforeChanges = job.backup ? async () => void (await backupDatabase(db, backupPath(database))) : undefined
    const result =
      job.kind === 'apply'
        ? await applyMigrations(db, available, { ...options, ...job, beforeChanges, loaded: loaded(available) })
        : await rollbackMigrations(db, available, { ...options, ...job.target, beforeChanges, loaded: loaded(available) })
    return { ids: result.results.map((r) => r.id) }
  } finally {
    db.close()
  }
}

/**
 * Whether an apply would find nothing to do in `database`, read without the write lock in this thread: no pending
 * migration, no drift, no checksum to record, no bookkeeping table to upgrade. Only then is the database done
 * without a worker; anything else (a missing file, an error, work) goes to the runner, which decides under the
 * lock. A fleet that is up to date is then read, not written, at a fraction of a millisecond per file.
 */
export function isUpToDate(database: string, context: FleetContext): boolean {
  const { job, connection, available } = context
  if (job.kind !== 'apply' || job.to !== undefined) return false
  let db: Database | undefined
  try {
    // A bare read-only connection: any error (missing, locked, corrupt, a hot journal) sends it to the runner.
    db =
      (connection.driver ?? 'better-sqlite3') === 'better-sqlite3'
        ? new BetterSqlite3(database, { readonly: true, fileMustExist: true, timeout: 0 })
        : openDatabase(database, { busyTimeoutMs: 0, driver: connection.driver, readonly: true })
    const ledger = new Ledger(db, connection.table ?? 'migrations')
    if (ledger.needsSetup()) return false
    const plan = planMigrations(available, ledger.read(), { allowOutOfOrder: job.allowOutOfOrder ?? false })
    return plan.pending.length + plan.changed.length + plan.missing.length + plan.outOfOrder.length + plan.checksumsToRecord.length === 0
  } catch {
    return false // the runner reports it
  } finally {
    db?.close()
  }
}

/** Runs the job on one database; never throws. */
export async function runOnDatabase(database: string, context: FleetContext): Promise<FleetDatabaseResult> {
  const started = performance.now()
  try {
    const { ids, version } = await run(database, context)
    const { kind } = context.job
    const outcome = kind === 'status' || ids.length === 0 ? 'up-to-date' : CHANGED[kind]
    return { database, outcome, ids, ...(version ? { version } : {}), durationMs: performance.now() - started }
  } catch (error) {
    const problem = error instanceof MigrateError ? error.problem : undefined
    const failed = { database, outcome: 'failed' as const, ids: [], error: describeThrown(error).split('\n')[0] }
    return { ...failed, ...(problem ? { problem } : {}), durationMs: performance.now() - started }
  }
}
