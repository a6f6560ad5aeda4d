/** The options of `registerMigrationTasks`, their defaults, and how flags and environment override them. */
import { isAbsolute, join, resolve } from 'node:path'
import type { TransactionMode } from './runner'

export interface MigrationTaskOptions {
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
  /** Back up the database next to it before applying anything (`--backup`). Default `false`. */
  readonly backup?: boolean
  /** Template file for `migration:new`. Default: the built-in template. */
  readonly template?: string
  /** How long `migrate:watch` waits after a change for more changes before it runs, in milliseconds. Default 50. */
  readonly watchDelayMs?: number
  /** Prefix of the registered task names (`migrate`, `migrate:status`, ...). Default none. */
  readonly taskPrefix?: string
}

export interface ResolvedPaths {
  readonly sourceDir: string
  readonly distDir: string
  readonly tsconfig: string | undefined
  readonly schemaFile: string | undefined
}

export const DEFAULT_OPTIONS = {
  migrationsDir: 'migrations',
  database: 'data/app.sqlite3',
  table: 'migrations',
  busyTimeoutMs: 10_000,
  transactionMode: 'batch',
  watchDelayMs: 50,
} as const

export function resolvePaths(options: MigrationTaskOptions, cwd = process.cwd()): ResolvedPaths {
  const sourceDir = resolve(cwd, options.migrationsDir ?? DEFAULT_OPTIONS.migrationsDir)
  return {
    sourceDir,
    distDir: options.distDir ? resolve(cwd, options.distDir) : join(sourceDir, 'dist'),
    tsconfig: options.tsconfig ? resolve(cwd, options.tsconfig) : undefined,
    schemaFile: options.schemaFile === false ? undefined : resolve(cwd, options.schemaFile ?? join(sourceDir, 'schema.sql')),
  }
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
