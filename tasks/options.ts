/**
 * The one options model: every default spelled once (`DEFAULT_OPTIONS`), the option groups the API takes
 * (connection, drift policy, target, hooks), and their resolution into one frozen object.
 */
import { isAbsolute, join, resolve } from 'node:path'
import type { DriftPolicy } from './core/drift'
import type { CompilerChoice } from './io/compile-engine'
import type { RollbackTarget } from './core/selection'
import type { TransactionMode } from './core/units'
import type { RunEvent } from './run-log'

export const DEFAULT_OPTIONS = Object.freeze({
  migrationsDir: 'migrations',
  database: 'data/app.sqlite3',
  table: 'migrations',
  busyTimeoutMs: 10_000,
  leaseTtlMs: 3_600_000,
  transactionMode: 'batch' as TransactionMode,
  watchDelayMs: 50,
  driver: 'better-sqlite3' as DriverName,
})

/**
 * The SQLite driver the tasks open databases with: better-sqlite3, or libSQL's better-sqlite3-compatible `libsql`
 * package (an optional peer dependency: install it to use it).
 */
export type DriverName = 'better-sqlite3' | 'libsql'

/** How the runner talks to one database. */
export interface RunOptions {
  /** Name of the migrations table. Default `migrations`. */
  readonly table?: string
  /** See {@link TransactionMode}. Default `batch`. */
  readonly transactionMode?: TransactionMode
  /** How long to wait for another runner's write lock or lease, in milliseconds. Default 10000. */
  readonly busyTimeoutMs?: number
  /** How long a non-transactional migration's lease is valid. Default 1 hour. */
  readonly leaseTtlMs?: number
  /** The database path, for messages. Default: the connection's file name. */
  readonly databaseLabel?: string
  /** Called as things happen, for progress output. */
  readonly onEvent?: (event: RunEvent) => void
}

/** `applyMigrations`: run options, drift policy, how far, and a hook before the first change. */
export interface ApplyOptions extends RunOptions, DriftPolicy {
  /** Apply pending migrations up to and including this one. */
  readonly to?: string
  /** Apply only this pending migration (refused while older ones are pending, unless `allowOutOfOrder`). */
  readonly only?: string
  /** On a database with tables but no migration history: record every migration up to this one as applied, without running it. */
  readonly baseline?: string
  /**
   * Called once, holding the write lock, after what is pending was decided and before the first change,
   * when there is one (e.g. to take a backup that holds exactly the state before the migrations).
   */
  readonly beforeChanges?: () => Promise<void>
}

/** `rollbackMigrations` and `redoMigrations`: run options, one target (`step`, `to` or `all`; default the newest) and a hook. */
export type RollbackOptions = RunOptions &
  RollbackTarget & {
    /** Called once, holding the write lock, before the first change, when there is one (e.g. to take a backup). */
    readonly beforeChanges?: () => Promise<void>
  }

/** Run options with every default filled in; frozen. */
export interface ResolvedRunOptions {
  readonly table: string
  readonly transactionMode: TransactionMode
  readonly busyTimeoutMs: number
  readonly leaseTtlMs: number
  readonly databaseLabel: string
  readonly onEvent: (event: RunEvent) => void
}

const ignore = () => undefined

export function resolveRunOptions(options: RunOptions, databaseName: string): ResolvedRunOptions {
  return Object.freeze({
    table: options.table ?? DEFAULT_OPTIONS.table,
    transactionMode: options.transactionMode ?? DEFAULT_OPTIONS.transactionMode,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_OPTIONS.busyTimeoutMs,
    leaseTtlMs: options.leaseTtlMs ?? DEFAULT_OPTIONS.leaseTtlMs,
    databaseLabel: options.databaseLabel ?? databaseName,
    onEvent: options.onEvent ?? ignore,
  })
}

/** The options of `registerMigrationTasks` / `migrationTasks` (with `compiler` and `typescript`: see {@link CompilerChoice}). */
export interface MigrationTaskOptions extends CompilerChoice {
  /** Folder of the `.ts` migration sources, relative to the working directory. Default `migrations`. */
  readonly migrationsDir?: string
  /** Folder of the compiled `.js` migrations. Default `<migrationsDir>/dist`. */
  readonly distDir?: string
  /** tsconfig for the migrations. Default `<migrationsDir>/tsconfig.json` when it exists, else built-in CommonJS settings. */
  readonly tsconfig?: string
  /**
   * The SQLite database file. Default `data/app.sqlite3`. Overridden by `--db=PATH`, then by the
   * `DATABASE_PATH` environment variable.
   */
  readonly database?: string
  /** Name of the table that records applied migrations. Default `migrations`. */
  readonly table?: string
  /** How long to wait for another writer, in milliseconds (`--busy-timeout`). Default 10000. */
  readonly busyTimeoutMs?: number
  /** How pending migrations are grouped into transactions (`--atomic`, `--transaction-per-migration`). Default `batch`. */
  readonly transactionMode?: TransactionMode
  /**
   * Where the schema is written after every successful `migrate`, `migrate:down` and `migrate:redo`
   * (deterministic, for review), and what `migrate:check` compares. `false` turns it off.
   * Default `<migrationsDir>/schema.sql`.
   */
  readonly schemaFile?: string | false
  /** Back up the database next to it before applying anything (`--backup`, `--no-backup`). Default `false`. */
  readonly backup?: boolean
  /** Template file for `migration:new`. Default: the built-in template. */
  readonly template?: string
  /** How long `migrate:watch` waits after a change for more changes before it runs, in milliseconds. Default 50. */
  readonly watchDelayMs?: number
  /** Prefix of the registered task names (`migrate`, `migrate:status`, ...). Default none. */
  readonly taskPrefix?: string
  /**
   * Run on many databases instead of `database`: a glob (`data/tenants/*.sqlite3`) or `@list.txt` (one path a
   * line). `--databases` overrides it; `--db` (or `DATABASE_PATH`) runs on that one database instead.
   */
  readonly databases?: string
  /** Databases migrated at a time in a fleet run, each in a worker thread (`--concurrency`). Default: the cores. */
  readonly concurrency?: number
  /** The driver databases are opened with (see {@link DriverName}). Default `better-sqlite3`. */
  readonly driver?: DriverName
}

export interface ResolvedPaths {
  readonly sourceDir: string
  readonly distDir: string
  readonly tsconfig: string | undefined
  readonly schemaFile: string | undefined
}

export function resolvePaths(options: MigrationTaskOptions, cwd = process.cwd()): ResolvedPaths {
  const sourceDir = resolve(cwd, options.migrationsDir ?? DEFAULT_OPTIONS.migrationsDir)
  return Object.freeze({
    sourceDir,
    distDir: options.distDir ? resolve(cwd, options.distDir) : join(sourceDir, 'dist'),
    tsconfig: options.tsconfig ? resolve(cwd, options.tsconfig) : undefined,
    schemaFile: options.schemaFile === false ? undefined : resolve(cwd, options.schemaFile ?? join(sourceDir, 'schema.sql')),
  })
}

/** `--db`, then `DATABASE_PATH`, then the configured path; relative paths are taken from the working directory. */
export function resolveDatabasePath(
  options: MigrationTaskOptions,
  flag: string | undefined,
  env = process.env,
  cwd = process.cwd(),
): string {
  const chosen = flag ?? (env.DATABASE_PATH || undefined) ?? options.database ?? DEFAULT_OPTIONS.database
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen)
}
