/**
 * The gulp wiring: turns options and flags into named tasks. Everything here is glue; decisions live in
 * `core/`, files and SQLite in `io/`, `runner.ts`, `status.ts` and `rehearse.ts`.
 */
import type { Database } from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { MigrateError } from '../errors'
import { backupDatabase, backupPath } from '../io/backup'
import { compileMigrations, writeCommonJsMarker } from '../io/compile'
import { openDatabase } from '../io/database'
import { LeaseStore, describeLease, leaseHealth } from '../io/lease'
import { Ledger } from '../io/ledger'
import { listCompiledMigrations } from '../io/migration-files'
import { createMigration } from '../io/new-migration'
import { writeSchemaFile } from '../io/schema'
import { DEFAULT_OPTIONS, resolveDatabasePath, resolvePaths, type MigrationTaskOptions } from '../options'
import {
  applyMigrations,
  checkedPlan,
  rollbackMigrations,
  type ApplyOptions,
  type RunEvent,
  type RunResult,
  type TransactionMode,
} from '../runner'
import { parseFlags, type Flags } from './flags'
import { error, formatMs, info, paint, plural, toPluginError, warn } from './report'
import { performance } from 'node:perf_hooks'

/**
 * A gulp task function, as gulp 5 (undertaker) runs it: it signals completion through `done` or by what it
 * returns (here always a promise). Declared here so the package's types do not need `@types/gulp`.
 */
export type TaskFunction = ((done: (error?: Error | null) => void) => void | PromiseLike<unknown>) & {
  displayName?: string
  description?: string
}

/** The part of gulp the tasks need; pass the `gulp` module your gulpfile imports. */
export interface GulpLike {
  task(name: string, fn: TaskFunction): void
  /** gulp's `series`; what it returns is a task function. */
  series(...tasks: TaskFunction[]): unknown
  /** gulp's `watch`; needed by `migrate:watch` only. */
  watch?(
    globs: string | string[],
    options: WatchOptions,
    task: TaskFunction,
  ): { close(): unknown; once(event: 'ready', listener: () => void): unknown }
}

/** The subset of gulp 5's watch options used here (glob-watcher 6 / chokidar 3). */
export interface WatchOptions {
  delay?: number
  queue?: boolean
  events?: string[]
  ignoreInitial?: boolean
}

export const TASK_NAMES = [
  'migration:new',
  'migrate',
  'migrate:compile',
  'migrate:marker',
  'migrate:build',
  'migrate:apply',
  'migrate:status',
  'migrate:check',
  'migrate:down',
  'migrate:redo',
  'migrate:verify',
  'migrate:repair',
  'migrate:unlock',
  'migrate:watch',
] as const

export type MigrationTaskName = (typeof TASK_NAMES)[number]
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

/** `--json`: the result for scripts, on stdout (add gulp's --silent to keep gulp's own lines out). */
function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

/** Prints run events as they happen: one line per migration with its time, and progress on long runs. */
function progress(quiet: boolean): (event: RunEvent) => void {
  let waited = false
  let lastProgress = performance.now()
  return (event) => {
    if (event.type === 'applied') {
      if (!quiet) info(`${paint('green', 'Applied')} ${event.id} ${paint('dim', `(${formatMs(event.durationMs)})`)}`)
    } else if (event.type === 'reverted') {
      if (!quiet) info(`${paint('yellow', 'Rolled back')} ${event.id} ${paint('dim', `(${formatMs(event.durationMs)})`)}`)
    } else if (event.type === 'migration-start') {
      // In batch mode the per-migration lines come at the commit; on long runs say how far it got meanwhile.
      if (!quiet && event.total > 1 && performance.now() - lastProgress > 2000) {
        lastProgress = performance.now()
        info(paint('dim', `... ${event.index} of ${event.total} (${event.id})`))
      }
    } else if (event.type === 'checksums-recorded') {
      info(`Recorded checksums of ${plural(event.ids.length, 'migration')} adopted from the earlier runner (they had none)`)
    } else if (event.type === 'baselined') {
      info(`Baseline: recorded ${plural(event.ids.length, 'migration')} as applied without running them (${event.ids.at(-1)})`)
    } else if (event.type === 'lease-broken') warn(event.reason)
    else if (event.type === 'waiting' && !waited) {
      waited = true
      info(event.reason)
    }
  }
}

/**
 * Creates the migration tasks without registering them.
 *
 * @example
 * ```ts
 * import gulp from 'gulp'
 * import { migrationTasks } from 'gulp-sqlite-migrate'
 * const tasks = migrationTasks(gulp, { migrationsDir: 'db/migrations', database: 'var/app.sqlite3' })
 * gulp.task('db:migrate', tasks.migrate)
 * ```
 */
export function migrationTasks(
  gulp: Pick<GulpLike, 'series' | 'watch'>,
  options: MigrationTaskOptions = {},
  argv?: readonly string[],
): MigrationTasks {
  const prefix = options.taskPrefix ?? ''
  const table = options.table ?? DEFAULT_OPTIONS.table
  const paths = () => resolvePaths(options)
  const flags = (): Flags => parseFlags(argv ?? process.argv.slice(2))
  const busyTimeoutMs = (f: Flags) => f.busyTimeoutMs ?? options.busyTimeoutMs ?? DEFAULT_OPTIONS.busyTimeoutMs
  const transactionMode = (f: Flags): TransactionMode =>
    f.atomic ? 'atomic' : f.transactionPerMigration ? 'each' : (options.transactionMode ?? DEFAULT_OPTIONS.transactionMode)
  const databasePath = (f: Flags) => resolveDatabasePath(options, f.db)
  const label = (path: string) => relative(process.cwd(), path) || path
  const runOptions = (f: Flags): ApplyOptions => ({
    table,
    allowOutOfOrder: f.allowOutOfOrder,
    allowMissing: f.allowMissing,
    transactionMode: transactionMode(f),
    busyTimeoutMs: busyTimeoutMs(f),
    databaseLabel: label(databasePath(f)),
    to: f.to,
    baseline: f.baseline,
    onEvent: progress(f.quiet),
  })
  const task = (name: MigrationTaskName, body: () => Promise<void> | void) => named(`${prefix}${name}`, body)

  async function withDatabase<T>(f: Flags, body: (db: Database) => Promise<T> | T): Promise<T> {
    const db = openDatabase(databasePath(f), {
      busyTimeoutMs: busyTimeoutMs(f),
      verbose: f.verbose ? (sql) => info(paint('dim', `  ${sql}`)) : undefined,
    })
    try {
      return await body(db)
    } finally {
      db.close()
    }
  }

  /** Opens the database read-only for `body`; `undefined` when it does not exist yet (it is never created). */
  async function withExistingDatabase<T>(f: Flags, body: (db: Database | undefined, path: string) => Promise<T> | T): Promise<T> {
    const path = databasePath(f)
    const db = existsSync(path) ? openDatabase(path, { busyTimeoutMs: busyTimeoutMs(f), readonly: true }) : undefined
    try {
      return await body(db, path)
    } finally {
      db?.close()
    }
  }

  /**
   * Keeps schema.sql in step with the database after a change (or when it does not exist yet); a no-op run
   * leaves it alone (`migrate:check` reports it when it is out of date). A failure to write it is a warning,
   * never a failed deploy.
   */
  function dumpSchema(db: Database, changed = true): void {
    const file = paths().schemaFile
    if (!file || (!changed && existsSync(file))) return
    try {
      writeSchemaFile(db, table, file, new Ledger(db, table).appliedIds().at(-1))
    } catch (error) {
      warn(`Could not write ${label(file)}: ${(error as Error).message}`)
    }
  }

  function summary(result: RunResult, verb: 'Applied' | 'Rolled back', database: string): void {
    const n = result.results.filter((r) => r.status === 'applied' || r.status === 'reverted').length
    info(
      n === 0 && verb === 'Applied'
        ? `Database is up to date (${database})`
        : `${verb} ${plural(n, 'migration')} in ${formatMs(result.durationMs)} (${database})`,
    )
  }

  const newMigration = task('migration:new', () => {
    const file = createMigration({ sourceDir: paths().sourceDir, name: flags().name, template: options.template })
    info(`Created ${file}`)
  })

  const compile = task('migrate:compile', async () => {
    const { sourceDir, distDir, tsconfig } = paths()
    const result = await compileMigrations({ sourceDir, distDir, tsconfig })
    if (result.compiled.length > 0) info(`Compiled ${plural(result.compiled.length, 'migration')} in ${formatMs(result.durationMs)}`)
    if (result.removed.length > 0) info(`Removed stale output of deleted source(s): ${result.removed.join(', ')}`)
  })

  const marker = task('migrate:marker', () => writeCommonJsMarker(paths().distDir))

  const apply = task('migrate:apply', async () => {
    const f = flags()
    const available = listCompiledMigrations(paths())
    const path = databasePath(f)
    if (f.dryRun) {
      const [{ dryRun }, { renderDryRun }] = await Promise.all([import('../rehearse'), import('./render')])
      for (const line of renderDryRun(await dryRun(path, available, { ...runOptions(f), onEvent: undefined }))) info(line)
      return
    }
    await withDatabase(f, async (db) => {
      const result = await applyMigrations(db, available, {
        ...runOptions(f),
        onEvent: f.json ? undefined : progress(f.quiet),
        beforeChanges:
          f.backup || options.backup
            ? async () => info(`Backed up ${label(path)} to ${label(await backupDatabase(db, backupPath(path)))} before applying`)
            : undefined,
      })
      if (f.json) printJson({ database: label(path), ...result })
      else summary(result, 'Applied', label(path))
      dumpSchema(db, result.results.length > 0 || result.baselined.length > 0)
    })
  })

  const status = task('migrate:status', async () => {
    const [{ migrationStatus }, { renderStatus }] = await Promise.all([import('../status'), import('./render')])
    const f = flags()
    await withExistingDatabase(f, (db, path) => {
      const report = migrationStatus(db, { ...paths(), table })
      if (f.json) printJson({ database: label(path), ...report })
      else for (const line of renderStatus(report, label(path))) info(line)
    })
  })

  const check = task('migrate:check', async () => {
    const { checkStatus, migrationStatus } = await import('../status')
    const f = flags()
    await withExistingDatabase(f, (db, path) => {
      const { schemaFile } = paths()
      const verdict = checkStatus(migrationStatus(db, { ...paths(), table, schemaFile }))
      if (verdict.problems.length === 0) {
        info(`Migrations are up to date (${label(path)})`)
        return
      }
      // gulp-cli always exits 1 on a failed task; the exit code says which kind of problem this is.
      process.once('exit', () => {
        process.exitCode = verdict.exitCode
      })
      throw new MigrateError(
        'DRIFT',
        `migrate:check failed (exit code ${verdict.exitCode}): ${verdict.problems.map((p) => p.message).join('; ')}.`,
      )
    })
  })

  const down = task('migrate:down', async () => {
    const f = flags()
    await withDatabase(f, async (db) => {
      const result = await rollbackMigrations(db, listCompiledMigrations(paths()), {
        ...runOptions(f),
        onEvent: f.json ? undefined : progress(f.quiet),
        step: f.step,
        to: f.to,
        all: f.all || undefined,
      })
      if (f.json) printJson({ database: label(databasePath(f)), ...result })
      else summary(result, 'Rolled back', label(databasePath(f)))
      dumpSchema(db)
    })
  })

  const redo = task('migrate:redo', async () => {
    const f = flags()
    await withDatabase(f, async (db) => {
      const available = listCompiledMigrations(paths())
      const reverted = await rollbackMigrations(db, available, { ...runOptions(f), step: f.step ?? 1, to: undefined })
      const newest = reverted.results.find((r) => r.status === 'reverted')?.id
      const applied = await applyMigrations(db, available, { ...runOptions(f), to: newest, allowOutOfOrder: true })
      summary(applied, 'Applied', label(databasePath(f)))
      dumpSchema(db)
    })
  })

  const verify = task('migrate:verify', async () => {
    const [{ verifyDownPaths }, { renderVerify }] = await Promise.all([import('../rehearse'), import('./render')])
    const f = flags()
    const report = await verifyDownPaths(databasePath(f), listCompiledMigrations(paths()), { ...runOptions(f), onEvent: undefined })
    for (const line of renderVerify(report)) info(line)
    const failed = report.results.filter((r) => !r.ok)
    if (failed.length > 0) {
      throw new MigrateError(
        'MIGRATION_FAILED',
        `${plural(failed.length, 'migration')} do not roll back cleanly: ${failed.map((r) => r.id).join(', ')}. Fix their down functions (the diff above shows what differs).`,
      )
    }
    if (report.results.length > 0)
      info(`Verified the down path of ${plural(report.results.length, 'migration')} on a copy; the database was not changed`)
  })

  const repair = task('migrate:repair', async () => {
    const f = flags()
    const available = listCompiledMigrations(paths())
    await withDatabase(f, (db) => {
      const plan = checkedPlan(db, available, { table, allowMissing: true, allowOutOfOrder: true, acceptChanged: true })
      const only = typeof f.name === 'string' ? f.name.replace(/\.[jt]s$/, '') : undefined
      const ids = plan.changed.filter((id) => only === undefined || id === only)
      if (only !== undefined && ids.length === 0) {
        throw new MigrateError('DRIFT', `${only} is not an applied migration whose source changed; nothing was repaired.`)
      }
      const ledger = new Ledger(db, table)
      db.transaction(() => {
        for (const id of ids) ledger.setChecksum(id, available.find((m) => m.id === id)?.checksum as string)
      }).immediate()
      info(
        ids.length === 0
          ? 'No changed migrations to accept'
          : `Accepted the current source of ${ids.join(', ')} (checksum re-recorded; it is not run again)`,
      )
    })
  })

  const unlock = task('migrate:unlock', async () => {
    const f = flags()
    await withDatabase(f, (db) => {
      const ledger = new Ledger(db, table)
      const lease = ledger.needsSetup() ? undefined : new LeaseStore(db, ledger.lockTable).current()
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
      db.transaction(() => new LeaseStore(db, ledger.lockTable).release()).immediate()
      info(`Released the lease of ${describeLease(lease)}. Check what that migration changed before running gulp migrate again.`)
    })
  })

  const watchTask = task('migrate:watch', async () => {
    if (!gulp.watch)
      throw new MigrateError('INVALID_MODULE', 'migrate:watch needs gulp.watch: pass the gulp module itself to registerMigrationTasks.')
    const { WatchSession } = await import('../watch')
    const f = flags()
    const { sourceDir, distDir, tsconfig } = paths()
    const session = new WatchSession({
      ...runOptions(f),
      onEvent: undefined,
      sourceDir,
      distDir,
      tsconfig,
      databasePath: databasePath(f),
      log: { info, warn, error },
      afterChanges: dumpSchema,
    })
    await session.cycle() // migrate once, then on every change
    const run: TaskFunction = async () => {
      await session.cycle()
    }
    run.displayName = `${prefix}migrate:watch (change)`
    const glob = join(sourceDir, '*.ts').split(sep).join('/')
    const watcher = gulp.watch(
      glob,
      { delay: options.watchDelayMs ?? DEFAULT_OPTIONS.watchDelayMs, queue: true, events: ['add', 'change', 'unlink'] },
      run,
    )
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve())) // changes before 'ready' would be missed
    info(`Watching ${label(sourceDir)}/*.ts for changes (Ctrl-C to stop)`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
    await watcher.close()
  })

  const build = gulp.series(compile, marker) as TaskFunction
  const compiled = (t: TaskFunction) => gulp.series(compile, marker, t) as TaskFunction
  return {
    'migration:new': newMigration,
    migrate: compiled(apply),
    'migrate:compile': compile,
    'migrate:marker': marker,
    'migrate:build': build,
    'migrate:apply': apply,
    'migrate:status': status,
    'migrate:check': check,
    'migrate:down': compiled(down),
    'migrate:redo': compiled(redo),
    'migrate:verify': compiled(verify),
    'migrate:repair': compiled(repair),
    'migrate:unlock': unlock,
    'migrate:watch': watchTask,
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
  for (const name of TASK_NAMES) gulp.task(`${prefix}${name}`, tasks[name])
  return tasks
}
