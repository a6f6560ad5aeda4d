/**
 * The gulp wiring: turns options into named tasks. Everything here is glue; decisions live in `core/`,
 * files and SQLite in `io/` and `runner.ts`.
 */
import type { TaskFunction } from 'gulp'
import { relative } from 'node:path'
import { compileMigrations, writeCommonJsMarker } from '../io/compile'
import { openDatabase } from '../io/database'
import { LeaseStore, describeLease, leaseHealth } from '../io/lease'
import { Ledger } from '../io/ledger'
import { listCompiledMigrations } from '../io/migration-files'
import { createMigration } from '../io/new-migration'
import { applyMigrations, checkedPlan, type TransactionMode } from '../runner'
import { MigrateError } from '../errors'
import { DEFAULT_OPTIONS, resolveDatabasePath, resolvePaths, type MigrationTaskOptions } from '../options'
import { parseFlags, type Flags } from './flags'
import { formatMs, info, plural, toPluginError, warn } from './report'

/** The part of gulp the tasks need; pass the `gulp` module your gulpfile imports. */
export interface GulpLike {
  task(name: string, fn: TaskFunction): void
  series(...tasks: TaskFunction[]): TaskFunction
}

export type MigrationTaskName =
  | 'migration:new'
  | 'migrate'
  | 'migrate:compile'
  | 'migrate:marker'
  | 'migrate:apply'
  | 'migrate:build'
  | 'migrate:repair'
  | 'migrate:unlock'

export type MigrationTasks = Record<MigrationTaskName, TaskFunction>

function named(name: string, body: () => Promise<void> | void): TaskFunction {
  const task: TaskFunction = async () => {
    try {
      await body()
    } catch (error) {
      throw toPluginError(error)
    }
  }
  task.displayName = name
  return task
}

/**
 * Creates the migration tasks without registering them.
 *
 * @example
 * ```ts
 * import gulp from 'gulp'
 * import { migrationTasks } from 'gulp-sqlite-migrate'
 * const tasks = migrationTasks(gulp, { migrationsDir: 'db/migrations', database: 'var/app.sqlite3' })
 * gulp.task('migrate', tasks.migrate)
 * ```
 */
export function migrationTasks(gulp: Pick<GulpLike, 'series'>, options: MigrationTaskOptions = {}, argv?: readonly string[]): MigrationTasks {
  const prefix = options.taskPrefix ?? ''
  const paths = () => resolvePaths(options)
  const flags = (): Flags => parseFlags(argv ?? process.argv.slice(2))
  const busyTimeout = (f: Flags) => f.busyTimeoutMs ?? options.busyTimeoutMs ?? DEFAULT_OPTIONS.busyTimeoutMs
  const transactionMode = (f: Flags): TransactionMode =>
    f.atomic ? 'atomic' : f.transactionPerMigration ? 'each' : (options.transactionMode ?? DEFAULT_OPTIONS.transactionMode)
  const table = options.table ?? DEFAULT_OPTIONS.table

  /** Opens the database for the duration of `body`. */
  async function withDatabase<T>(f: Flags, body: (db: ReturnType<typeof openDatabase>, label: string) => Promise<T> | T): Promise<T> {
    const path = resolveDatabasePath(options, f.db)
    const label = relative(process.cwd(), path) || path
    const db = openDatabase(path, { busyTimeoutMs: busyTimeout(f) })
    try {
      return await body(db, label)
    } finally {
      db.close()
    }
  }

  const newMigration = named(`${prefix}migration:new`, () => {
    const file = createMigration({ sourceDir: paths().sourceDir, name: flags().name, template: options.template })
    info(`Created ${file}`)
  })

  const compile = named(`${prefix}migrate:compile`, async () => {
    const { sourceDir, distDir, tsconfig } = paths()
    const result = await compileMigrations({ sourceDir, distDir, tsconfig })
    if (result.compiled.length > 0) info(`Compiled ${plural(result.compiled.length, 'migration')} in ${formatMs(result.durationMs)}`)
    if (result.removed.length > 0) info(`Removed stale output of deleted source(s): ${result.removed.join(', ')}`)
  })

  const marker = named(`${prefix}migrate:marker`, () => writeCommonJsMarker(paths().distDir))

  const apply = named(`${prefix}migrate:apply`, async () => {
    const f = flags()
    const available = listCompiledMigrations(paths())
    await withDatabase(f, async (db, label) => {
      let waited = false
      const result = await applyMigrations(db, available, {
        table,
        allowOutOfOrder: f.allowOutOfOrder,
        allowMissing: f.allowMissing,
        transactionMode: transactionMode(f),
        busyTimeoutMs: busyTimeout(f),
        databaseLabel: label,
        onEvent(event) {
          if (event.type === 'applied') info(`Applied ${event.id} (${formatMs(event.durationMs)})`)
          else if (event.type === 'checksums-recorded') {
            info(`Recorded checksums of ${plural(event.ids.length, 'migration')} adopted from the earlier runner (they had none)`)
          } else if (event.type === 'lease-broken') warn(event.reason)
          else if (!waited) {
            waited = true
            info(event.reason)
          }
        },
      })
      const applied = result.results.filter((r) => r.status === 'applied').length
      info(applied === 0 ? `Database is up to date (${label})` : `Applied ${plural(applied, 'migration')} in ${formatMs(result.durationMs)} (${label})`)
    })
  })

  const repair = named(`${prefix}migrate:repair`, async () => {
    const f = flags()
    const available = listCompiledMigrations(paths())
    await withDatabase(f, (db) => {
      const plan = checkedPlan(db, available, { table, allowMissing: true, allowOutOfOrder: true, acceptChanged: true })
      const only = typeof f.name === 'string' ? f.name : undefined
      const ids = plan.changed.filter((id) => only === undefined || id === only || `${id}.ts` === only)
      if (only !== undefined && ids.length === 0) {
        throw new MigrateError('DRIFT', `${only} is not an applied migration whose source changed; nothing was repaired.`)
      }
      const ledger = new Ledger(db, table)
      db.transaction(() => {
        for (const id of ids) ledger.setChecksum(id, available.find((m) => m.id === id)?.checksum as string)
      }).immediate()
      info(ids.length === 0 ? 'No changed migrations to accept' : `Accepted the current source of ${ids.join(', ')} (checksum re-recorded; it is not run again)`)
    })
  })

  const unlock = named(`${prefix}migrate:unlock`, async () => {
    const f = flags()
    await withDatabase(f, (db) => {
      const ledger = new Ledger(db, table)
      const leases = new LeaseStore(db, ledger.lockTable)
      if (!ledger.exists() || ledger.needsSetup()) {
        info('No lease to release')
        return
      }
      const lease = leases.current()
      if (!lease) {
        info('No lease to release')
        return
      }
      if (leaseHealth(lease, new Date()) === 'live' && !f.force) {
        throw new MigrateError(
          'LEASE_HELD',
          `The lease is held by a running process: ${describeLease(lease)}. Wait for it to finish; use --force only if you are sure it is not running.`,
        )
      }
      db.transaction(() => leases.release()).immediate()
      info(`Released the lease of ${describeLease(lease)}. Check what that migration changed before running gulp migrate again.`)
    })
  })

  const build = gulp.series(compile, marker)
  const migrate = gulp.series(compile, marker, apply)
  return {
    'migration:new': newMigration,
    migrate,
    'migrate:compile': compile,
    'migrate:marker': marker,
    'migrate:apply': apply,
    'migrate:build': build,
    'migrate:repair': repair,
    'migrate:unlock': unlock,
  }
}

/**
 * Registers the migration tasks on `gulp` and returns them.
 *
 * @example
 * ```ts
 * // gulpfile.ts
 * import gulp from 'gulp'
 * import { registerMigrationTasks } from 'gulp-sqlite-migrate'
 *
 * registerMigrationTasks(gulp, { migrationsDir: 'migrations', database: 'data/app.sqlite3', table: 'migrations' })
 * // npx gulp migration:new --name=add_user_table
 * // npx gulp migrate
 * ```
 */
export function registerMigrationTasks(gulp: GulpLike, options: MigrationTaskOptions = {}): MigrationTasks {
  const tasks = migrationTasks(gulp, options)
  const prefix = options.taskPrefix ?? ''
  for (const [name, fn] of Object.entries(tasks)) gulp.task(`${prefix}${name}`, fn)
  return tasks
}
