/**
 * Applies pending migrations to an open better-sqlite3 connection.
 *
 * Every migration is atomic together with the row that records it: it runs in a SAVEPOINT of its own inside a
 * `BEGIN IMMEDIATE` transaction. SQLite's write lock is the migration lock: what is pending is read again after
 * the lock is taken, so concurrent runners never apply a migration twice, and a crash releases the lock with
 * the transaction, so no stale lock is ever left behind.
 */
import type { Database } from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { migrationId } from './core/migration-name'
import { planMigrations, type Plan } from './core/plan'
import { MigrateError, describeThrown } from './errors'
import { translateSqliteError } from './io/database'
import { failpoint } from './io/failpoint'
import { guardedDatabase } from './io/guarded-database'
import { LeaseStore, describeLease, leaseHealth } from './io/lease'
import { Ledger } from './io/ledger'
import { loadMigration, type CompiledMigration } from './io/migration-files'
import type { Migration } from './types'

/**
 * How pending migrations are grouped into transactions. In every mode each migration is atomic with its record.
 * - `batch` (default): one transaction for the run, a savepoint per migration. A failure rolls back that
 *   migration; the ones before it are committed. One commit (one fsync) for the whole run.
 * - `each`: one transaction per migration: slower (a commit each), but a crash keeps everything before it.
 * - `atomic`: all pending migrations or none.
 */
export type TransactionMode = 'batch' | 'each' | 'atomic'

export interface RunOptions {
  /** Name of the migrations table. Default `migrations`. */
  readonly table?: string
  /** Apply pending migrations that sort before the newest applied one. Default `false`. */
  readonly allowOutOfOrder?: boolean
  /** Go on although recorded migrations have no file any more. Default `false`. */
  readonly allowMissing?: boolean
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

export type RunEvent =
  | { readonly type: 'applied'; readonly id: string; readonly durationMs: number }
  | { readonly type: 'checksums-recorded'; readonly ids: readonly string[] }
  | { readonly type: 'waiting'; readonly reason: string }
  | { readonly type: 'lease-broken'; readonly reason: string }

export type MigrationStatus = 'applied' | 'failed' | 'rolled-back' | 'not-run'

export interface MigrationResult {
  readonly id: string
  readonly direction: 'up'
  readonly status: MigrationStatus
  readonly durationMs: number
  readonly error?: string
}

export interface RunResult {
  readonly results: readonly MigrationResult[]
  /** Adopted migrations whose checksum was recorded for the first time. */
  readonly checksumsRecorded: readonly string[]
  readonly durationMs: number
}

/** Thrown when a migration fails; `results` says what was applied, what failed and what was not run. */
export class MigrationRunError extends MigrateError {
  constructor(
    message: string,
    readonly results: readonly MigrationResult[],
    cause: unknown,
  ) {
    super('MIGRATION_FAILED', message, { cause })
  }
}

interface Loaded {
  readonly migration: CompiledMigration
  readonly module: Migration
}

const DEFAULTS = { table: 'migrations', transactionMode: 'batch', busyTimeoutMs: 10_000, leaseTtlMs: 3_600_000 } as const

/** Reads the table and the files and refuses drift (changed, missing, out-of-order) before anything runs. */
export function checkedPlan(
  db: Database,
  available: readonly CompiledMigration[],
  options: RunOptions & { readonly acceptChanged?: boolean } = {},
): Plan {
  const ledger = new Ledger(db, options.table ?? DEFAULTS.table)
  const plan = planMigrations(available, ledger.read(), options)
  const problems: string[] = []
  const sourceOf = (id: string) => available.find((m) => m.id === id)?.source ?? id
  if (plan.changed.length > 0 && !options.acceptChanged) {
    problems.push(
      `${plan.changed.map(sourceOf).join(', ')} changed after ${plan.changed.length === 1 ? 'it was' : 'they were'} applied. ` +
        'Restore the applied version (git checkout), put the change in a new migration, or accept the new content with `gulp migrate:repair`',
    )
  }
  if (plan.missing.length > 0 && !options.allowMissing) {
    problems.push(
      `${plan.missing.join(', ')} ${plan.missing.length === 1 ? 'is' : 'are'} recorded as applied but the file is gone. ` +
        'Restore the file, or run with --allow-missing if it was removed on purpose',
    )
  }
  if (plan.outOfOrder.length > 0 && !options.allowOutOfOrder) {
    problems.push(
      `${plan.outOfOrder.map(sourceOf).join(', ')} ${plan.outOfOrder.length === 1 ? 'is' : 'are'} pending but sort${plan.outOfOrder.length === 1 ? 's' : ''} before the newest applied migration ` +
        '(usually the result of merging two branches). Rename it with a newer timestamp, or run with --allow-out-of-order',
    )
  }
  if (problems.length > 0) {
    throw new MigrateError('DRIFT', `Nothing was applied: the migration files and the database disagree. ${problems.join('. ')}.`)
  }
  return plan
}

/** Applies every pending migration in `available`. Throws a `MigrateError` (a `MigrationRunError` when a migration fails). */
export async function applyMigrations(db: Database, available: readonly CompiledMigration[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now()
  const runner = new Runner(db, available, options)
  try {
    return await runner.run(started)
  } catch (error) {
    throw translateSqliteError(error, options.databaseLabel ?? db.name, options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs)
  }
}

class Runner {
  private readonly ledger: Ledger
  private readonly leases: LeaseStore
  private readonly owner = randomUUID()
  private readonly mode: TransactionMode
  private readonly busyTimeoutMs: number
  private readonly results: MigrationResult[] = []

  constructor(
    private readonly db: Database,
    private readonly available: readonly CompiledMigration[],
    private readonly options: RunOptions,
  ) {
    this.ledger = new Ledger(db, options.table ?? DEFAULTS.table)
    this.leases = new LeaseStore(db, this.ledger.lockTable)
    this.mode = options.transactionMode ?? DEFAULTS.transactionMode
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs
  }

  async run(started: number): Promise<RunResult> {
    if (this.ledger.needsSetup()) {
      // No lease to respect yet: the lease table is created here.
      this.db.transaction(() => {
        if (this.ledger.needsSetup()) this.ledger.setup()
      }).immediate()
    }
    const plan = checkedPlan(this.db, this.available, this.options)
    let checksumsRecorded: string[] = []
    if (plan.checksumsToRecord.length > 0) {
      await this.writeTransaction(() => {
        for (const { id, checksum } of plan.checksumsToRecord) this.ledger.setChecksum(id, checksum)
      })
      checksumsRecorded = plan.checksumsToRecord.map((c) => c.id)
      this.options.onEvent?.({ type: 'checksums-recorded', ids: checksumsRecorded })
    }
    // Load and check every pending module before anything runs: a broken one stops the run with nothing applied.
    const byId = new Map(this.available.map((m) => [m.id, m]))
    const pending: Loaded[] = plan.pending.map((id) => {
      const migration = byId.get(id) as CompiledMigration
      return { migration, module: loadMigration(migration) }
    })
    if (this.mode === 'atomic') {
      const outside = pending.find((p) => p.module.transaction === false)
      if (outside) {
        throw new MigrateError(
          'INVALID_MODULE',
          `--atomic applies all pending migrations in one transaction, but ${outside.migration.source} must run outside one (transaction = false). Apply it separately without --atomic.`,
        )
      }
    }
    for (const unit of this.units(pending)) {
      if (unit[0].module.transaction === false) await this.applyOutsideTransaction(unit[0])
      else await this.applyInTransaction(unit)
    }
    return { results: this.results, checksumsRecorded, durationMs: performance.now() - started }
  }

  /** Groups pending migrations into transactions according to the mode. */
  private units(pending: readonly Loaded[]): Loaded[][] {
    if (this.mode === 'atomic') return pending.length > 0 ? [[...pending]] : []
    const units: Loaded[][] = []
    for (const item of pending) {
      const alone = this.mode === 'each' || item.module.transaction === false || item.module.foreignKeys === false
      const last = units.at(-1)
      const lastAlone = last !== undefined && (last[0].module.transaction === false || last[0].module.foreignKeys === false)
      if (alone || !last || lastAlone) units.push([item])
      else last.push(item)
    }
    return units
  }

  private async applyInTransaction(unit: readonly Loaded[]): Promise<void> {
    const foreignKeysOff = unit.some((u) => u.module.foreignKeys === false)
    const foreignKeysWere = (this.db.pragma('foreign_keys', { simple: true }) as number) === 1
    if (foreignKeysOff && foreignKeysWere) this.db.pragma('foreign_keys = OFF') // only honoured outside a transaction
    try {
      await this.beginWhenNoLease()
      failpoint('after-begin')
      const applied = new Set(this.ledger.read().map((r) => migrationId(r.name)))
      const todo = unit.filter((u) => !applied.has(u.migration.id)) // another runner may have applied some meanwhile
      const violationsBefore = foreignKeysOff ? this.foreignKeyViolations() : new Set<string>()
      const done: MigrationResult[] = []
      for (const [index, item] of todo.entries()) {
        const savepoint = `gulp_sqlite_migrate_${index}`
        this.db.exec(`SAVEPOINT ${savepoint}`)
        const t0 = performance.now()
        try {
          await item.module.up(guardedDatabase(this.db))
          failpoint('after-up')
          this.assertStillInTransaction(item)
          if (foreignKeysOff) this.assertNoNewViolations(item, violationsBefore)
          this.ledger.record(item.migration.id, item.migration.checksum, performance.now() - t0)
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
          this.fail(item, error, durationMs, todo.slice(index + 1), keepEarlier ? undefined : done)
        }
        const result: MigrationResult = { id: item.migration.id, direction: 'up', status: 'applied', durationMs: performance.now() - t0 }
        done.push(result)
      }
      failpoint('before-commit')
      this.db.exec('COMMIT')
      this.results.push(...done)
      for (const d of done) this.options.onEvent?.({ type: 'applied', id: d.id, durationMs: d.durationMs })
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      if (foreignKeysOff && foreignKeysWere) this.db.pragma('foreign_keys = ON')
    }
  }

  private async applyOutsideTransaction(item: Loaded): Promise<void> {
    await this.beginWhenNoLease()
    if (this.ledger.isRecorded(item.migration.id)) {
      this.db.exec('COMMIT')
      return
    }
    this.leases.take(this.owner, item.migration.id, this.options.leaseTtlMs ?? DEFAULTS.leaseTtlMs)
    this.db.exec('COMMIT')
    failpoint('after-lease')
    const t0 = performance.now()
    try {
      await item.module.up(this.db)
      if (this.db.inTransaction) {
        this.db.exec('ROLLBACK')
        throw new Error('the migration left a transaction open; it was rolled back. Commit or roll back every transaction it starts')
      }
    } catch (error) {
      const durationMs = performance.now() - t0
      await this.writeTransaction(() => this.leases.release(this.owner))
      this.fail(item, error, durationMs, [], undefined, 'it ran outside a transaction, so statements before the failure may have stayed applied; check the database before running it again')
    }
    const durationMs = performance.now() - t0
    await this.writeTransaction(() => {
      this.ledger.record(item.migration.id, item.migration.checksum, durationMs)
      this.leases.release(this.owner)
    })
    this.results.push({ id: item.migration.id, direction: 'up', status: 'applied', durationMs })
    this.options.onEvent?.({ type: 'applied', id: item.migration.id, durationMs })
  }

  private fail(item: Loaded, error: unknown, durationMs: number, notRun: readonly Loaded[], rolledBack?: readonly MigrationResult[], note?: string): never {
    const cause = describeThrown(translateSqliteError(error, this.options.databaseLabel ?? this.db.name, this.busyTimeoutMs))
    this.results.push({ id: item.migration.id, direction: 'up', status: 'failed', durationMs, error: cause })
    for (const n of notRun) this.results.push({ id: n.migration.id, direction: 'up', status: 'not-run', durationMs: 0 })
    const applied = this.results.filter((r) => r.status === 'applied').length
    const parts = [
      `Migration ${item.migration.source} failed: ${cause}`,
      note ?? 'it was rolled back completely',
      rolledBack && rolledBack.length > 0
        ? `the ${rolledBack.length} migration(s) before it in the same transaction were rolled back too`
        : applied > 0
          ? `${applied} migration(s) before it stay applied`
          : undefined,
      'later migrations were not run. Fix it and run gulp migrate again',
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

  private assertStillInTransaction(item: Loaded): void {
    if (!this.db.inTransaction) {
      throw new Error(
        `${item.migration.source} ended the runner's transaction (COMMIT or ROLLBACK). Remove it, or export \`const transaction = false\` to manage transactions yourself`,
      )
    }
  }

  private foreignKeyViolations(): Set<string> {
    const rows = this.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string; fkid: number }>
    return new Set(rows.map((r) => `${r.table} row ${r.rowid ?? '?'} references a missing row in ${r.parent}`))
  }

  private assertNoNewViolations(item: Loaded, before: ReadonlySet<string>): void {
    const added = [...this.foreignKeyViolations()].filter((v) => !before.has(v))
    if (added.length > 0) {
      throw new Error(
        `it left ${added.length} foreign key violation(s) (PRAGMA foreign_key_check): ${added.slice(0, 5).join('; ')}${added.length > 5 ? '; ...' : ''}`,
      )
    }
  }
}
