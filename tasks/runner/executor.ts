/**
 * Runs units of migrations (see `core/units.ts`) on one connection and appends what happened to the run
 * log. It decides nothing about *which* migrations run: the API module decided that under the write lock.
 *
 * - A transaction unit runs each migration in a SAVEPOINT of its own, with its bookkeeping row, inside one
 *   `BEGIN IMMEDIATE` transaction (continuing the one the caller holds, if any).
 * - An outside unit takes the lease, runs the migration on the bare connection, then records it.
 * - A replace unit (redo) runs the applied versions' downs and the new versions' ups in one transaction.
 */
import type { Database } from 'better-sqlite3'
import { performance } from 'node:perf_hooks'
import type { Unit } from '../core/units'
import { describeThrown, MigrateError } from '../errors'
import { translateSqliteError } from '../io/database'
import { failpoint } from '../io/failpoint'
import { BookkeepingWatch } from '../io/bookkeeping-watch'
import { connectionState } from '../io/connection-state'
import { foreignKeysOn, foreignKeyViolations, newViolations, type Violations } from '../io/foreign-keys'
import type { Ledger } from '../io/ledger'
import type { WriteLock } from '../io/write-lock'
import type { ResolvedRunOptions } from '../options'
import type { Direction, FailureOutcome } from '../problems'
import { MigrationRunError, type MigrationResult, type RunLog } from '../run-log'
import { runMigrationFunction, type ReplaceStep, type Step } from './steps'

const done = (step: Step, direction: Direction, durationMs: number): MigrationResult => ({
  id: step.migration.id,
  direction,
  outcome: direction === 'up' ? 'applied' : 'reverted',
  durationMs,
})

export class Executor {
  constructor(
    private readonly db: Database,
    private readonly lock: WriteLock,
    private readonly ledger: Ledger,
    private readonly log: RunLog,
    private readonly options: ResolvedRunOptions,
    private readonly runId: string,
  ) {
    this.watch = new BookkeepingWatch(db, ledger.tableNames())
  }

  private readonly watch: BookkeepingWatch

  /** Removes what the run left on the connection (the bookkeeping watch); call when the run ends. */
  finish(): void {
    this.watch.disarm()
  }

  async run(units: readonly Unit<Step>[], direction: Direction): Promise<void> {
    this.log.expect(units.reduce((n, u) => n + (u.kind === 'outside' ? 1 : u.steps.length), 0))
    for (const unit of units) {
      if (unit.kind === 'outside') await this.outside(unit.step, direction)
      else await this.transaction(unit.steps, direction, unit.foreignKeysOff)
    }
  }

  /** Writes the bookkeeping of a finished step: the record of an applied migration, or its removal. */
  private record(step: Step, direction: Direction, durationMs: number): void {
    if (direction === 'up') this.ledger.record(step.migration, durationMs, this.runId)
    else this.ledger.remove(step.migration.id)
  }

  /**
   * Holds the lock and returns the steps still to do. A lock held since the plan was made keeps the plan;
   * a lock taken again (after an earlier unit committed) re-reads the table, since another runner may have
   * done some of them meanwhile.
   */
  private async stillToDo(steps: readonly Step[], direction: Direction): Promise<readonly Step[]> {
    if (this.lock.held) return steps
    await this.lock.acquire()
    failpoint('after-begin')
    const recorded = new Set(this.ledger.appliedIds())
    return steps.filter((s) => recorded.has(s.migration.id) === (direction === 'down'))
  }

  private async transaction(steps: readonly Step[], direction: Direction, foreignKeysOff: boolean): Promise<void> {
    const foreignKeysWere = foreignKeysOff && foreignKeysOn(this.db)
    if (foreignKeysWere) {
      this.lock.commit() // PRAGMA foreign_keys is only honoured outside a transaction
      this.db.pragma('foreign_keys = OFF')
    }
    try {
      const todo = await this.stillToDo(steps, direction)
      this.watch.arm()
      const violationsBefore = foreignKeysOff ? foreignKeyViolations(this.db) : undefined
      const finished: MigrationResult[] = []
      for (const [index, step] of todo.entries()) {
        const t0 = performance.now()
        try {
          await this.inSavepoint(index, step, direction, violationsBefore)
        } catch (error) {
          this.failInTransaction(step, direction, error, performance.now() - t0, finished, todo.slice(index + 1))
        }
        finished.push(done(step, direction, performance.now() - t0))
      }
      failpoint('before-commit')
      this.commitUnit(todo, finished)
    } finally {
      this.lock.rollback()
      if (foreignKeysWere) this.db.pragma('foreign_keys = ON')
    }
  }

  private async inSavepoint(index: number, step: Step, direction: Direction, violationsBefore?: Violations): Promise<void> {
    const savepoint = `gulp_sqlite_migrate_${index}`
    const t0 = performance.now()
    this.db.exec(`SAVEPOINT ${savepoint}`)
    const bookkeeping = this.watch.snapshot()
    this.log.starting(step.migration.id, direction)
    await runMigrationFunction(this.db, step.module, direction, true)
    this.log.emit({ type: 'migration-end', id: step.migration.id, direction })
    failpoint('after-up')
    this.assertStillInTransaction(step)
    this.assertBookkeepingUntouched(bookkeeping)
    if (violationsBefore) assertNoNewViolations(this.db, violationsBefore)
    this.record(step, direction, performance.now() - t0)
    failpoint('after-record')
    this.db.exec(`RELEASE ${savepoint}`)
  }

  /**
   * Commits a unit. A COMMIT refused for deferred foreign key violations leaves the transaction open: name
   * the violations, roll the unit back, and report every migration of it.
   */
  private commitUnit(todo: readonly Step[], finished: readonly MigrationResult[]): void {
    try {
      this.lock.commit()
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY' || !this.db.inTransaction) throw error
      const violations = [...foreignKeyViolations(this.db).keys()]
      this.lock.rollback()
      this.log.record(finished.map((r) => ({ ...r, outcome: 'rolled-back' as const, error: 'deferred foreign key violation at COMMIT' })))
      throw new MigrateError({ kind: 'deferred-foreign-keys', files: todo.map((s) => s.migration.source), violations }, { cause: error })
    }
    this.log.committed(finished)
  }

  /** Undoes the failed step (and, in atomic mode or when SQLite lost the transaction, the ones before it), logs, throws. */
  private failInTransaction(
    step: Step,
    direction: Direction,
    error: unknown,
    durationMs: number,
    finished: readonly MigrationResult[],
    notRun: readonly Step[],
  ): never {
    const lost = this.lostTransaction(finished)
    const savepoint = `gulp_sqlite_migrate_${finished.length}`
    if (!lost) this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`)
    const keepEarlier = lost === 'committed' || (this.options.transactionMode !== 'atomic' && !lost)
    if (keepEarlier) {
      this.lock.commit()
      this.log.committed(finished)
    } else {
      this.lock.rollback()
      this.log.record(finished.map((r) => ({ ...r, outcome: 'rolled-back' as const })))
    }
    const undone = keepEarlier ? 0 : finished.length
    this.fail(step, direction, error, durationMs, notRun, { ranOutsideTransaction: false, undone, transactionLost: lost })
  }

  /**
   * Whether the runner's transaction ended under the migration, and how: closed connection, rolled back by
   * SQLite, or committed by a COMMIT that got through (then the records of the migrations before it in the
   * unit are in the table).
   */
  private lostTransaction(finished: readonly MigrationResult[]): 'rolled-back' | 'committed' | 'closed' | undefined {
    if (!this.db.open) return 'closed'
    if (this.db.inTransaction) return undefined
    const recorded = new Set(this.ledger.appliedIds())
    const first = finished[0]
    const committed = first !== undefined && recorded.has(first.id) === (first.direction === 'up')
    return committed ? 'committed' : 'rolled-back'
  }

  private async outside(step: Step, direction: Direction): Promise<void> {
    const [todo] = await this.stillToDo([step], direction)
    if (!todo) {
      this.lock.commit() // another runner did it meanwhile
      return
    }
    this.lock.takeLease(step.migration.id)
    this.lock.commit()
    failpoint('after-lease')
    const t0 = performance.now()
    const connection = connectionState(this.db)
    try {
      this.log.starting(step.migration.id, direction)
      await runMigrationFunction(this.db, step.module, direction, false)
      this.log.emit({ type: 'migration-end', id: step.migration.id, direction })
      if (this.db.inTransaction) {
        this.db.exec('ROLLBACK')
        throw new Error('the migration left a transaction open; it was rolled back. Commit or roll back every transaction it starts')
      }
    } catch (error) {
      const durationMs = performance.now() - t0
      if (this.db.inTransaction) this.db.exec('ROLLBACK') // its own BEGIN, open when a statement after it failed
      connection.restore()
      await this.lock.write(() => this.lock.dropLease())
      this.fail(step, direction, error, durationMs, [], { ranOutsideTransaction: true, undone: 0 })
    }
    const durationMs = performance.now() - t0
    connection.restore()
    await this.lock.write(() => {
      this.record(step, direction, durationMs)
      this.lock.dropLease()
    })
    this.log.committed([done(step, direction, durationMs)])
  }

  /** Redo as one unit: the applied versions' downs (newest first), then the new versions' ups; all or nothing. */
  async replace(steps: readonly ReplaceStep[]): Promise<void> {
    const t0 = performance.now()
    await this.lock.ensure()
    this.watch.arm()
    const current = steps[0]
    try {
      for (const step of steps) {
        this.log.starting(step.migration.id, 'down')
        await runMigrationFunction(this.db, step.applied, 'down', true)
        this.log.emit({ type: 'migration-end', id: step.migration.id, direction: 'down' })
        this.ledger.remove(step.migration.id)
      }
      for (const step of [...steps].reverse()) {
        this.log.starting(step.migration.id, 'up')
        await runMigrationFunction(this.db, step.module, 'up', true)
        this.log.emit({ type: 'migration-end', id: step.migration.id, direction: 'up' })
        this.assertStillInTransaction(step)
        this.ledger.record(step.migration, performance.now() - t0, this.runId)
      }
      this.lock.commit()
    } catch (error) {
      this.lock.rollback()
      this.fail(current, 'up', error, performance.now() - t0, [], { ranOutsideTransaction: false, undone: 0, redo: true })
    }
    this.log.committed(
      steps.map((s) => done(s, 'up', performance.now() - t0)),
      true,
    )
  }

  private fail(
    step: Step,
    direction: Direction,
    error: unknown,
    durationMs: number,
    notRun: readonly Step[],
    outcome: Omit<FailureOutcome, 'kept'>,
  ): never {
    const cause = causeOf(error, this.options)
    this.log.record([
      { id: step.migration.id, direction, outcome: 'failed', durationMs, error: cause },
      ...notRun.map((n) => ({ id: n.migration.id, direction, outcome: 'not-run' as const, durationMs: 0 })),
    ])
    const kept = this.log.completed()
    throw new MigrationRunError(step.migration.source, direction, cause, { ...outcome, kept }, this.log.snapshot(), error)
  }

  private assertBookkeepingUntouched(before: string): void {
    if (this.watch.snapshot() !== before)
      throw new Error(
        `it changed the migrations table or its lease table (${this.ledger.tableNames().join(', ')}), which belong to gulp-sqlite-migrate: ` +
          'that would lose or falsify the history. Remove those statements',
      )
  }

  private assertStillInTransaction(step: Step): void {
    if (!this.db.inTransaction) {
      throw new Error(
        `${step.migration.source} ended the runner's transaction (COMMIT or ROLLBACK). Remove it, or export \`const transaction = false\` to manage transactions yourself`,
      )
    }
  }
}

/**
 * Why a migration failed, in its words. SQLITE_BUSY inside a migration comes from a second connection it
 * opened itself: the runner holds the write lock, so that connection waits for the runner, never the reverse.
 */
function causeOf(error: unknown, options: ResolvedRunOptions): string {
  if (String((error as { code?: unknown })?.code).startsWith('SQLITE_BUSY'))
    return (
      "database is locked: it wrote through a second connection to this database, which waits for the runner's own " +
      'transaction until the busy timeout. Run every statement on the db that up and down receive'
    )
  return describeThrown(translateSqliteError(error, options.databaseLabel, options.busyTimeoutMs))
}

function assertNoNewViolations(db: Database, before: Violations): void {
  const added = newViolations(before, foreignKeyViolations(db))
  if (added.length > 0) {
    throw new Error(
      `it left ${added.length} foreign key violation(s) (PRAGMA foreign_key_check): ${added.slice(0, 5).join('; ')}${added.length > 5 ? '; ...' : ''}`,
    )
  }
}
