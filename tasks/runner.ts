/**
 * Applies and rolls back migrations on an open better-sqlite3 connection.
 *
 * Every migration is atomic together with its bookkeeping (the row that records it, or the removal of that
 * row on rollback): it runs in a SAVEPOINT of its own inside a `BEGIN IMMEDIATE` transaction. SQLite's write
 * lock is the migration lock: what is pending is read again after the lock is taken, so concurrent runners
 * never apply a migration twice, and a crash releases the lock with the transaction, so no stale lock is left.
 */
import type { Database } from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { planMigrations, type Plan } from './core/plan'
import { selectBaseline, selectRollback, selectUpTo, type RollbackTarget } from './core/selection'
import { MigrateError, describeThrown } from './errors'
import { translateSqliteError } from './io/database'
import { failpoint } from './io/failpoint'
import { guardedDatabase } from './io/guarded-database'
import { LeaseStore, describeLease, leaseHealth } from './io/lease'
import { Ledger } from './io/ledger'
import { loadMigration, type CompiledMigration } from './io/migration-files'
import { applicationTables } from './io/schema'
import type { Migration } from './types'

/**
 * How migrations are grouped into transactions. In every mode each migration is atomic with its record.
 * - `batch` (default): one transaction for the run, a savepoint per migration. A failure rolls back that
 *   migration; the ones before it are committed. One commit (one fsync) for the whole run.
 * - `each`: one transaction per migration: a commit each, but a crash keeps everything before it.
 * - `atomic`: all of them or none.
 */
export type TransactionMode = 'batch' | 'each' | 'atomic'

export type Direction = 'up' | 'down'

export interface RunOptions {
  /** Name of the migrations table. Default `migrations`. */
  readonly table?: string
  /** See {@link TransactionMode}. Default `batch`. */
  readonly transactionMode?: TransactionMode
  /** How long to wait for another runner's lease, in milliseconds. Default 10000. */
  readonly busyTimeoutMs?: number
  /** How long a non-transactional migration's lease is valid. Default 1 hour. */
  readonly leaseTtlMs?: number
  /** The database path, for messages. */
  readonly databaseLabel?: string
  /** Called as things happen, for progress output. */
  readonly onEvent?: (event: RunEvent) => void
}

export interface ApplyOptions extends RunOptions {
  /** Apply pending migrations that sort before the newest applied one. Default `false`. */
  readonly allowOutOfOrder?: boolean
  /** Go on although recorded migrations have no file any more. Default `false`. */
  readonly allowMissing?: boolean
  /** Apply pending migrations up to and including this one. */
  readonly to?: string
  /** On a database with tables but no migration history: record every migration up to this one as applied, without running it. */
  readonly baseline?: string
  /** Called once before the first migration runs, when there is one (e.g. to take a backup). */
  readonly beforeChanges?: () => Promise<void>
  /** Go on although applied migrations changed (they are left alone). For watch mode; never for deploys. Default `false`. */
  readonly acceptChanged?: boolean
}

export interface RollbackOptions extends RunOptions, RollbackTarget {
  /** Modules to use instead of loading the files, by id: watch mode keeps the versions it applied. */
  readonly loaded?: ReadonlyMap<string, Migration>
}

export type RunEvent =
  | { readonly type: 'applied' | 'reverted' | 'redone'; readonly id: string; readonly durationMs: number }
  | { readonly type: 'migration-start'; readonly id: string; readonly direction: Direction; readonly index: number; readonly total: number }
  | { readonly type: 'migration-end'; readonly id: string; readonly direction: Direction }
  | { readonly type: 'checksums-recorded' | 'baselined'; readonly ids: readonly string[] }
  | { readonly type: 'waiting' | 'lease-broken'; readonly reason: string }

export type MigrationStatus = 'applied' | 'reverted' | 'failed' | 'rolled-back' | 'not-run'

export interface MigrationResult {
  readonly id: string
  readonly direction: Direction
  readonly status: MigrationStatus
  readonly durationMs: number
  readonly error?: string
}

export interface RunResult {
  readonly results: readonly MigrationResult[]
  /** Adopted migrations whose checksum was recorded for the first time. */
  readonly checksumsRecorded: readonly string[]
  /** Migrations recorded as applied by `--baseline`, without running. */
  readonly baselined: readonly string[]
  readonly durationMs: number
}

/** Thrown when a migration fails; `results` says what was done, what failed and what was not run. */
export class MigrationRunError extends MigrateError {
  constructor(
    message: string,
    readonly results: readonly MigrationResult[],
    cause: unknown,
  ) {
    super('MIGRATION_FAILED', message, { cause })
  }
}

interface Step {
  readonly migration: CompiledMigration
  readonly module: Migration
}

const DEFAULTS = { table: 'migrations', transactionMode: 'batch', busyTimeoutMs: 10_000, leaseTtlMs: 3_600_000 } as const

/** Reads the table and the files and refuses drift (changed, missing, out-of-order) before anything runs. */
export function checkedPlan(db: Database, available: readonly CompiledMigration[], options: ApplyOptions = {}): Plan {
  const ledger = new Ledger(db, options.table ?? DEFAULTS.table)
  const plan = planMigrations(available, ledger.read(), options)
  const problems: string[] = []
  const sourceOf = (id: string) => available.find((m) => m.id === id)?.source ?? id
  const are = (list: readonly string[]) => (list.length === 1 ? 'is' : 'are')
  if (plan.changed.length > 0 && !options.acceptChanged) {
    problems.push(
      `${plan.changed.map(sourceOf).join(', ')} changed after ${plan.changed.length === 1 ? 'it was' : 'they were'} applied. ` +
        'Restore the applied version (git checkout), put the change in a new migration, or accept the new content with `gulp migrate:repair`',
    )
  }
  if (plan.missing.length > 0 && !options.allowMissing) {
    problems.push(
      `${plan.missing.join(', ')} ${are(plan.missing)} recorded as applied but the file is gone. Restore the file, or run with --allow-missing if it was removed on purpose`,
    )
  }
  if (plan.outOfOrder.length > 0 && !options.allowOutOfOrder) {
    problems.push(
      `${plan.outOfOrder.map(sourceOf).join(', ')} ${are(plan.outOfOrder)} pending but sort${plan.outOfOrder.length === 1 ? 's' : ''} before the newest applied migration ` +
        '(usually the result of merging two branches). Rename it with a newer timestamp, or run with --allow-out-of-order',
    )
  }
  if (problems.length > 0) {
    throw new MigrateError('DRIFT', `Nothing was applied: the migration files and the database disagree. ${problems.join('. ')}.`)
  }
  return plan
}

/**
 * Applies the pending migrations in `available`, each atomic with its record. Throws a `MigrateError` (a
 * `MigrationRunError`, with `results`, when a migration fails) and refuses drift before anything runs.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { applyMigrations, listCompiledMigrations } from 'gulp-sqlite-migrate'
 *
 * const db = new Database('var/app.sqlite3', { timeout: 10_000 })
 * const available = listCompiledMigrations({ sourceDir: 'migrations', distDir: 'migrations/dist' })
 * const { results } = await applyMigrations(db, available, { transactionMode: 'batch' })
 * for (const r of results) console.log(r.id, r.status, `${Math.round(r.durationMs)} ms`)
 * ```
 */
export async function applyMigrations(
  db: Database,
  available: readonly CompiledMigration[],
  options: ApplyOptions = {},
): Promise<RunResult> {
  const runner = new Runner(db, options)
  return runner.guard(async () => {
    await runner.setup()
    const baselined = await runner.baseline(available, options.baseline)
    const plan = checkedPlan(db, available, options)
    const checksumsRecorded = await runner.recordChecksums(plan)
    const selection = selectUpTo(
      plan.pending,
      available.map((m) => m.id),
      options.to,
    )
    if (!selection.ok) throw new MigrateError('INVALID_NAME', `${selection.reason}. Nothing was applied.`)
    // Load and check every module before anything runs: a broken one stops the run with nothing applied.
    const byId = new Map(available.map((m) => [m.id, m]))
    const steps = selection.ids.map((id) => {
      const migration = byId.get(id) as CompiledMigration
      return { migration, module: loadMigration(migration) }
    })
    if (steps.length > 0) await options.beforeChanges?.()
    await runner.runSteps(steps, 'up')
    return { checksumsRecorded, baselined }
  })
}

/**
 * Rolls back applied migrations with their `down`, in the reverse of the order they were applied (default: the
 * newest one). If any migration in the range has no `down`, no file or a changed source, nothing is rolled back.
 *
 * @example
 * ```ts
 * await rollbackMigrations(db, available, { step: 2 }) // the newest two
 * await rollbackMigrations(db, available, { to: '20261126090000_create_users' }) // everything applied after it
 * ```
 */
export async function rollbackMigrations(
  db: Database,
  available: readonly CompiledMigration[],
  options: RollbackOptions = {},
): Promise<RunResult> {
  const runner = new Runner(db, options)
  return runner.guard(async () => {
    await runner.setup()
    const plan = checkedPlan(db, available, { ...options, allowMissing: true, allowOutOfOrder: true, acceptChanged: true })
    const ledger = new Ledger(db, options.table ?? DEFAULTS.table)
    const selection = selectRollback(ledger.appliedIds(), options)
    if (!selection.ok) throw new MigrateError('INVALID_NAME', `${selection.reason}.`)
    const byId = new Map(available.map((m) => [m.id, m]))
    const problems: string[] = []
    const steps: Step[] = []
    for (const id of selection.ids) {
      const kept = options.loaded?.get(id)
      if (kept) {
        if (typeof kept.down !== 'function') problems.push(`${id} has no down`)
        else steps.push({ migration: byId.get(id) ?? { id, checksum: null, file: '', source: `${id}.ts` }, module: kept })
        continue
      }
      const migration = byId.get(id)
      if (!migration) problems.push(`${id} has no file (so no down)`)
      else if (plan.changed.includes(id))
        problems.push(
          `${migration.source} changed after it was applied, so its down may not undo what ran (restore it, or accept it with \`gulp migrate:repair\`)`,
        )
      else {
        const module = loadMigration(migration)
        if (typeof module.down !== 'function') problems.push(`${migration.source} has no down`)
        else steps.push({ migration, module })
      }
    }
    if (problems.length > 0) {
      throw new MigrateError(
        'INVALID_MODULE',
        `Nothing was rolled back: ${problems.join('; ')}. Add the missing down functions, or roll back fewer migrations.`,
      )
    }
    await runner.runSteps(steps, 'down')
    return { checksumsRecorded: [], baselined: [] }
  })
}

/**
 * Replaces an applied migration by a new version of it, in one transaction: the `down` of the version that
 * was applied (`applied`), the removal of its record, the new version's `up` and its record. If anything
 * fails, the applied version stays as it was. Used by watch mode while a migration is being written.
 */
export async function replaceMigration(
  db: Database,
  migration: CompiledMigration,
  applied: Migration,
  options: RunOptions = {},
): Promise<RunResult> {
  const runner = new Runner(db, options)
  return runner.guard(async () => {
    await runner.setup()
    const next = loadMigration(migration)
    for (const module of [applied, next]) {
      if (module.transaction === false || module.foreignKeys === false) {
        throw new MigrateError(
          'INVALID_MODULE',
          `${migration.source} runs outside a transaction or with foreign keys off, so it is not redone automatically. Run \`gulp migrate:redo\`.`,
        )
      }
    }
    if (typeof applied.down !== 'function') {
      throw new MigrateError(
        'INVALID_MODULE',
        `${migration.source} changed, but the applied version has no down, so it cannot be redone. Roll back by hand or start a new database.`,
      )
    }
    await runner.replace(migration, applied, next)
    return { checksumsRecorded: [], baselined: [] }
  })
}

class Runner {
  private readonly ledger: Ledger
  private readonly leases: LeaseStore
  private readonly owner = randomUUID()
  private readonly mode: TransactionMode
  private readonly busyTimeoutMs: number
  private readonly results: MigrationResult[] = []
  private readonly started = performance.now()
  /** For progress: how many steps this run has, and how many have started. */
  private total = 0
  private begun = 0

  constructor(
    private readonly db: Database,
    private readonly options: RunOptions,
  ) {
    this.ledger = new Ledger(db, options.table ?? DEFAULTS.table)
    this.leases = new LeaseStore(db, this.ledger.lockTable)
    this.mode = options.transactionMode ?? DEFAULTS.transactionMode
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs
  }

  /** Runs `body` and turns SQLite's errors about the file (busy, read-only, ...) into clear ones. */
  async guard(body: () => Promise<Pick<RunResult, 'checksumsRecorded' | 'baselined'>>): Promise<RunResult> {
    try {
      const extra = await body()
      return { results: this.results, ...extra, durationMs: performance.now() - this.started }
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** SQLite's errors about the database file (busy, read-only, ...) as clear `MigrateError`s; anything else as is. */
  private translate(error: unknown): unknown {
    return translateSqliteError(error, this.options.databaseLabel ?? this.db.name, this.busyTimeoutMs)
  }

  /** Creates or upgrades the migrations table; writes only when something is missing. */
  async setup(): Promise<void> {
    if (!this.ledger.needsSetup()) return
    // No lease to respect yet: the lease table is created here.
    this.db
      .transaction(() => {
        if (this.ledger.needsSetup()) this.ledger.setup()
      })
      .immediate()
  }

  /** Refuses a database that has tables but no migration history, unless `--baseline=NAME` says how far it is. */
  async baseline(available: readonly CompiledMigration[], name: string | undefined): Promise<string[]> {
    const hasHistory = this.ledger.read().length > 0
    if (hasHistory) {
      if (name !== undefined) {
        throw new MigrateError(
          'DRIFT',
          '--baseline is only for a database without migration history, and this one has a history. Run without --baseline.',
        )
      }
      return []
    }
    const tables = applicationTables(this.db, this.options.table ?? DEFAULTS.table)
    if (tables.length === 0) {
      if (name !== undefined)
        throw new MigrateError('DRIFT', 'The database is empty, so there is nothing to baseline. Run without --baseline.')
      return []
    }
    const label = this.options.databaseLabel ?? this.db.name
    if (name === undefined) {
      throw new MigrateError(
        'DRIFT',
        `${label} already has tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}) but no migration history, so it is probably not the database you meant; nothing was applied. ` +
          'Check --db / DATABASE_PATH. If it is the right one, mark the migrations its schema already has as applied with --baseline=NAME.',
      )
    }
    const selection = selectBaseline(
      available.map((m) => m.id),
      name,
    )
    if (!selection.ok) throw new MigrateError('INVALID_NAME', `${selection.reason}.`)
    const byId = new Map(available.map((m) => [m.id, m]))
    await this.writeTransaction(() => {
      if (this.ledger.read().length > 0) return // another runner baselined it meanwhile
      for (const id of selection.ids) this.ledger.record(id, byId.get(id)?.checksum ?? null, 0)
    })
    this.options.onEvent?.({ type: 'baselined', ids: selection.ids })
    return selection.ids
  }

  async recordChecksums(plan: Plan): Promise<string[]> {
    if (plan.checksumsToRecord.length === 0) return []
    await this.writeTransaction(() => {
      for (const { id, checksum } of plan.checksumsToRecord) this.ledger.setChecksum(id, checksum)
    })
    const ids = plan.checksumsToRecord.map((c) => c.id)
    this.options.onEvent?.({ type: 'checksums-recorded', ids })
    return ids
  }

  async runSteps(steps: readonly Step[], direction: Direction): Promise<void> {
    this.total = steps.length
    if (this.mode === 'atomic') {
      const outside = steps.find((s) => s.module.transaction === false)
      if (outside) {
        throw new MigrateError(
          'INVALID_MODULE',
          `--atomic runs every migration in one transaction, but ${outside.migration.source} must run outside one (transaction = false). Run it separately without --atomic.`,
        )
      }
    }
    for (const unit of this.units(steps)) {
      if (unit[0].module.transaction === false) await this.runOutsideTransaction(unit[0], direction)
      else await this.runInTransaction(unit, direction)
    }
  }

  /** Groups steps into transactions according to the mode. */
  private units(steps: readonly Step[]): Step[][] {
    if (this.mode === 'atomic') return steps.length > 0 ? [[...steps]] : []
    const alone = (s: Step) => s.module.transaction === false || s.module.foreignKeys === false
    const units: Step[][] = []
    for (const step of steps) {
      const last = units.at(-1)
      if (this.mode === 'each' || alone(step) || !last || alone(last[0])) units.push([step])
      else last.push(step)
    }
    return units
  }

  private fn(step: Step, direction: Direction) {
    return (direction === 'up' ? step.module.up : step.module.down) as NonNullable<Migration['down']>
  }

  /** Writes the bookkeeping of a finished step: the record of an applied migration, or its removal. */
  private book(step: Step, direction: Direction, durationMs: number): void {
    if (direction === 'up') this.ledger.record(step.migration.id, step.migration.checksum, durationMs)
    else this.ledger.remove(step.migration.id)
  }

  private done(id: string, direction: Direction, durationMs: number): MigrationResult {
    return { id, direction, status: direction === 'up' ? 'applied' : 'reverted', durationMs }
  }

  private async runInTransaction(unit: readonly Step[], direction: Direction): Promise<void> {
    const foreignKeysOff = unit.some((u) => u.module.foreignKeys === false)
    const foreignKeysWere = (this.db.pragma('foreign_keys', { simple: true }) as number) === 1
    if (foreignKeysOff && foreignKeysWere) this.db.pragma('foreign_keys = OFF') // only honoured outside a transaction
    try {
      await this.beginWhenNoLease()
      failpoint('after-begin')
      // Read again under the write lock: another runner may have done some of this meanwhile.
      const recorded = new Set(this.ledger.appliedIds())
      const todo = unit.filter((u) => recorded.has(u.migration.id) === (direction === 'down'))
      const violationsBefore = foreignKeysOff ? this.foreignKeyViolations() : new Set<string>()
      const done: MigrationResult[] = []
      for (const [index, step] of todo.entries()) {
        const savepoint = `gulp_sqlite_migrate_${index}`
        this.db.exec(`SAVEPOINT ${savepoint}`)
        const t0 = performance.now()
        try {
          this.options.onEvent?.({ type: 'migration-start', id: step.migration.id, direction, index: ++this.begun, total: this.total })
          await this.fn(step, direction)(guardedDatabase(this.db))
          this.options.onEvent?.({ type: 'migration-end', id: step.migration.id, direction })
          failpoint('after-up')
          this.assertStillInTransaction(step)
          if (foreignKeysOff) this.assertNoNewViolations(violationsBefore)
          this.book(step, direction, performance.now() - t0)
          failpoint('after-record')
          this.db.exec(`RELEASE ${savepoint}`)
        } catch (error) {
          const durationMs = performance.now() - t0
          const sqliteRolledBackAll = !this.db.inTransaction
          if (!sqliteRolledBackAll) {
            this.db.exec(`ROLLBACK TO ${savepoint}`)
            this.db.exec(`RELEASE ${savepoint}`)
          }
          const keepEarlier = this.mode !== 'atomic' && !sqliteRolledBackAll
          if (keepEarlier) this.db.exec('COMMIT')
          else if (this.db.inTransaction) this.db.exec('ROLLBACK')
          this.results.push(...(keepEarlier ? done : done.map((d) => ({ ...d, status: 'rolled-back' as const }))))
          this.emitDone(keepEarlier ? done : [])
          this.fail(step, direction, error, durationMs, todo.slice(index + 1), keepEarlier ? undefined : done)
        }
        done.push(this.done(step.migration.id, direction, performance.now() - t0))
      }
      failpoint('before-commit')
      this.db.exec('COMMIT')
      this.results.push(...done)
      this.emitDone(done)
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      if (foreignKeysOff && foreignKeysWere) this.db.pragma('foreign_keys = ON')
    }
  }

  private emitDone(results: readonly MigrationResult[]): void {
    for (const r of results)
      this.options.onEvent?.({ type: r.direction === 'up' ? 'applied' : 'reverted', id: r.id, durationMs: r.durationMs })
  }

  async replace(migration: CompiledMigration, applied: Migration, next: Migration): Promise<void> {
    const t0 = performance.now()
    await this.beginWhenNoLease()
    try {
      this.options.onEvent?.({ type: 'migration-start', id: migration.id, direction: 'down', index: 1, total: 1 })
      await (applied.down as NonNullable<Migration['down']>)(guardedDatabase(this.db))
      this.ledger.remove(migration.id)
      this.options.onEvent?.({ type: 'migration-start', id: migration.id, direction: 'up', index: 1, total: 1 })
      await next.up(guardedDatabase(this.db))
      this.options.onEvent?.({ type: 'migration-end', id: migration.id, direction: 'up' })
      this.assertStillInTransaction({ migration, module: next })
      this.ledger.record(migration.id, migration.checksum, performance.now() - t0)
      this.db.exec('COMMIT')
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      const cause = describeThrown(this.translate(error))
      this.results.push({ id: migration.id, direction: 'up', status: 'failed', durationMs: performance.now() - t0, error: cause })
      throw new MigrationRunError(
        `Redo of ${migration.source} failed: ${cause}; it was rolled back, so the version applied before stays applied. Fix it and save again (a redo runs the applied version's down first, so that down must undo its up).`,
        this.results,
        error,
      )
    }
    const result = { id: migration.id, direction: 'up' as const, status: 'applied' as const, durationMs: performance.now() - t0 }
    this.results.push(result)
    this.options.onEvent?.({ type: 'redone', id: migration.id, durationMs: result.durationMs })
  }

  private async runOutsideTransaction(step: Step, direction: Direction): Promise<void> {
    await this.beginWhenNoLease()
    if (this.ledger.appliedIds().includes(step.migration.id) !== (direction === 'down')) {
      this.db.exec('COMMIT') // another runner did it meanwhile
      return
    }
    this.leases.take(this.owner, step.migration.id, this.options.leaseTtlMs ?? DEFAULTS.leaseTtlMs)
    this.db.exec('COMMIT')
    failpoint('after-lease')
    const t0 = performance.now()
    try {
      this.options.onEvent?.({ type: 'migration-start', id: step.migration.id, direction, index: ++this.begun, total: this.total })
      await this.fn(step, direction)(this.db)
      this.options.onEvent?.({ type: 'migration-end', id: step.migration.id, direction })
      if (this.db.inTransaction) {
        this.db.exec('ROLLBACK')
        throw new Error('the migration left a transaction open; it was rolled back. Commit or roll back every transaction it starts')
      }
    } catch (error) {
      const durationMs = performance.now() - t0
      await this.writeTransaction(() => this.leases.release(this.owner))
      this.fail(
        step,
        direction,
        error,
        durationMs,
        [],
        undefined,
        'it ran outside a transaction, so statements before the failure may have stayed applied; check the database before running it again',
      )
    }
    const durationMs = performance.now() - t0
    await this.writeTransaction(() => {
      this.book(step, direction, durationMs)
      this.leases.release(this.owner)
    })
    const result = this.done(step.migration.id, direction, durationMs)
    this.results.push(result)
    this.emitDone([result])
  }

  private fail(
    step: Step,
    direction: Direction,
    error: unknown,
    durationMs: number,
    notRun: readonly Step[],
    rolledBack?: readonly MigrationResult[],
    note?: string,
  ): never {
    const cause = describeThrown(this.translate(error))
    this.results.push({ id: step.migration.id, direction, status: 'failed', durationMs, error: cause })
    for (const n of notRun) this.results.push({ id: n.migration.id, direction, status: 'not-run', durationMs: 0 })
    const kept = this.results.filter((r) => r.status === 'applied' || r.status === 'reverted').length
    const verb = direction === 'up' ? 'applied' : 'rolled back'
    const parts = [
      `Migration ${step.migration.source}${direction === 'down' ? ' (down)' : ''} failed: ${cause}`,
      note ?? 'it was rolled back completely',
      rolledBack && rolledBack.length > 0
        ? `the ${rolledBack.length} migration(s) before it in the same transaction were undone too`
        : kept > 0
          ? `${kept} migration(s) before it stay ${verb}`
          : undefined,
      `${direction === 'up' ? 'later migrations were not run' : 'older migrations were not rolled back'}. Fix it and run the command again`,
    ]
    throw new MigrationRunError(parts.filter(Boolean).join('; ') + '.', this.results, error)
  }

  /** `BEGIN IMMEDIATE`, then waits (within the busy timeout) while another runner holds the lease. */
  private async beginWhenNoLease(): Promise<void> {
    const deadline = Date.now() + this.busyTimeoutMs
    for (;;) {
      this.db.exec('BEGIN IMMEDIATE')
      const lease = this.leases.current()
      if (!lease || lease.owner === this.owner) return
      const health = leaseHealth(lease, new Date())
      if (health !== 'live') {
        // The holder crashed (same host, process gone) or outlived its lease: its migration was not recorded,
        // so it is still pending and runs again in order. Non-transactional migrations must be safe to re-run.
        this.leases.release(lease.owner)
        this.options.onEvent?.({
          type: 'lease-broken',
          reason: `Broke the lease of ${describeLease(lease)} (${health === 'dead' ? 'that process is gone' : `it expired at ${lease.expiresAt}`}); ${lease.migration} was interrupted and runs again`,
        })
        return
      }
      this.db.exec('ROLLBACK')
      if (Date.now() >= deadline) {
        throw new MigrateError(
          'LEASE_HELD',
          `Another runner is applying ${describeLease(lease)}, and it did not finish within the busy timeout of ${this.busyTimeoutMs} ms; nothing was changed. ` +
            'Wait for it and run again, or raise --busy-timeout=MS. If that process is known to be gone (on another machine), release its lease with `gulp migrate:unlock --force`.',
        )
      }
      this.options.onEvent?.({ type: 'waiting', reason: `waiting for ${describeLease(lease)}` })
      await sleep(100)
    }
  }

  private async writeTransaction(body: () => void): Promise<void> {
    await this.beginWhenNoLease()
    try {
      body()
      this.db.exec('COMMIT')
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
    }
  }

  private assertStillInTransaction(step: Step): void {
    if (!this.db.inTransaction) {
      throw new Error(
        `${step.migration.source} ended the runner's transaction (COMMIT or ROLLBACK). Remove it, or export \`const transaction = false\` to manage transactions yourself`,
      )
    }
  }

  private foreignKeyViolations(): Set<string> {
    const rows = this.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string }>
    return new Set(rows.map((r) => `${r.table} row ${r.rowid ?? '?'} references a missing row in ${r.parent}`))
  }

  private assertNoNewViolations(before: ReadonlySet<string>): void {
    const added = [...this.foreignKeyViolations()].filter((v) => !before.has(v))
    if (added.length > 0) {
      throw new Error(
        `it left ${added.length} foreign key violation(s) (PRAGMA foreign_key_check): ${added.slice(0, 5).join('; ')}${added.length > 5 ? '; ...' : ''}`,
      )
    }
  }
}
