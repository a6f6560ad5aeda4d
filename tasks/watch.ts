/**
 * The watch-mode session: after every change to the migration sources, compile what changed, then bring the
 * database in line. A migration applied during this session that is still the newest is redone when edited
 * (the `down` of the version that was applied, then the new `up`, in one transaction) and rolled back when
 * its source is deleted. Nothing here ever throws: every error is reported and the next save tries again.
 */
import type { Database } from 'better-sqlite3'
import { performance } from 'node:perf_hooks'
import { planMigrations } from './core/plan'
import { describeThrown } from './errors'
import { describeSqlNotes } from './io/sql-source'
import { compileMigrations, writeCommonJsMarker, type CompilerChoice } from './io/compile'
import { openDatabase } from './io/database'
import { Ledger } from './io/ledger'
import { listCompiledMigrations, loadMigration, type CompiledMigration } from './io/migration-files'
import { applyMigrations, redoMigrations, rollbackMigrations } from './api'
import { DEFAULT_OPTIONS, type DriverName, type RunOptions } from './options'
import type { RunEvent } from './run-log'
import type { Migration } from './types'

export interface WatchLog {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface WatchSessionOptions extends RunOptions, CompilerChoice {
  /** Apply pending migrations that sort before the newest applied one. Default `false`. */
  readonly allowOutOfOrder?: boolean
  readonly sourceDir: string
  readonly distDir: string
  readonly tsconfig?: string
  readonly databasePath: string
  /** The driver the database is opened with. Default `better-sqlite3`. */
  readonly driver?: DriverName
  readonly log: WatchLog
  /** Called after every cycle that changed the database (e.g. to rewrite schema.sql). */
  readonly afterChanges?: (db: Database) => void
}

const ms = (t0: number) => `${Math.round(performance.now() - t0)} ms`

export class WatchSession {
  /** Migrations applied during this session, with the module that was applied (for its `down`). */
  private readonly applied = new Map<string, { module: Migration; checksum: string | null }>()

  constructor(private readonly options: WatchSessionOptions) {}

  /** The connection settings of every operation; progress is reported by this session, not by events. */
  private connection(): RunOptions {
    const { table, transactionMode, busyTimeoutMs, leaseTtlMs, databaseLabel } = this.options
    return { table, transactionMode, busyTimeoutMs, leaseTtlMs, databaseLabel }
  }

  /** One round: compile, then apply, redo or roll back. Resolves `true` when the database changed. */
  async cycle(): Promise<boolean> {
    const { log } = this.options
    const t0 = performance.now()
    try {
      const compiled = await compileMigrations(this.options)
      writeCommonJsMarker(this.options.distDir)
      if (compiled.compiled.length > 0) log.info(`Compiled ${compiled.compiled.join(', ')} (${ms(t0)})`)
      if (compiled.removed.length > 0) log.info(`Removed the compiled output of deleted ${compiled.removed.join(', ')}`)
      for (const line of describeSqlNotes(compiled.notes)) log.info(line)
      for (const line of compiled.stray) log.warn(line)
    } catch (error) {
      log.error(`${describeThrown(error)}\nNothing was applied; fix it and save again.`)
      return false
    }
    let db: Database | undefined
    try {
      const available = listCompiledMigrations(this.options)
      db = openDatabase(this.options.databasePath, { busyTimeoutMs: this.options.busyTimeoutMs, driver: this.options.driver })
      const reconciled = await this.reconcile(db, available)
      const applied = await this.applyPending(db, available)
      if (reconciled || applied) this.options.afterChanges?.(db)
      return reconciled || applied
    } catch (error) {
      log.error(describeThrown(error))
      return false
    } finally {
      db?.close()
    }
  }

  /** Redoes or rolls back the newest migration of this session when its source changed or was deleted; reports the rest. */
  private async reconcile(db: Database, available: readonly CompiledMigration[]): Promise<boolean> {
    const { log } = this.options
    const ledger = new Ledger(db, this.options.table ?? DEFAULT_OPTIONS.table)
    const plan = planMigrations(available, ledger.read())
    const newest = ledger.appliedIds().at(-1)
    let changedDb = false
    for (const id of plan.missing) {
      const kept = this.applied.get(id)
      if (id === newest && kept) {
        const t0 = performance.now()
        await rollbackMigrations(db, available, { ...this.connection(), step: 1, loaded: new Map([[id, kept.module]]) })
        this.applied.delete(id)
        log.info(`Rolled back ${id}: its source was deleted (${ms(t0)})`)
        changedDb = true
      } else {
        log.warn(
          `${id} is applied but its source is gone; left alone (restore the file, or roll it back with gulp migrate:down before deleting)`,
        )
      }
    }
    for (const id of plan.changed) {
      const kept = this.applied.get(id)
      const migration = available.find((m) => m.id === id) as CompiledMigration
      if (id === newest && kept) {
        const t0 = performance.now()
        try {
          await redoMigrations(db, available, { ...this.connection(), step: 1, loaded: new Map([[id, kept.module]]) })
        } catch (error) {
          log.error(describeThrown(error))
          continue
        }
        this.applied.set(id, { module: loadMigration(migration), checksum: migration.checksum })
        log.info(`Redid ${id}: rolled back the applied version and applied the new one (${ms(t0)})`)
        changedDb = true
      } else {
        log.warn(
          `${migration.source} changed after it was applied${kept ? ', and it is no longer the newest' : ' before this watch session'}; left alone. ` +
            'Restore it, or put the change in a new migration.',
        )
      }
    }
    return changedDb
  }

  private async applyPending(db: Database, available: readonly CompiledMigration[]): Promise<boolean> {
    const applied: string[] = []
    const onEvent = (event: RunEvent) => {
      if (event.type === 'applied') {
        applied.push(event.id)
        this.options.log.info(`Applied ${event.id} (${Math.round(event.durationMs)} ms)`)
      }
      this.options.onEvent?.(event)
    }
    try {
      await applyMigrations(db, available, {
        ...this.connection(),
        allowOutOfOrder: this.options.allowOutOfOrder,
        acceptChanged: true,
        allowMissing: true,
        onEvent,
      })
    } finally {
      for (const id of applied) {
        const migration = available.find((m) => m.id === id) as CompiledMigration
        this.applied.set(id, { module: loadMigration(migration), checksum: migration.checksum })
      }
    }
    return applied.length > 0
  }
}
