/**
 * What every task needs, resolved once per task run: its flags (checked, so nothing runs on a typo), paths,
 * run options, and the database opener. Tasks read from here and call the API; they decide nothing else.
 */
import type { Database } from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { relative } from 'node:path'
import { writeSchemaSnapshot } from '../api'
import type { DriftPolicy } from '../core/drift'
import type { TransactionMode } from '../core/units'
import { backupDatabase, backupPath } from '../io/backup'
import { openDatabase, translateSqliteError } from '../io/database'
import { Ledger, quoteIdentifier } from '../io/ledger'
import { schemaFileState } from '../io/schema'
import { MigrateError } from '../errors'
import { describeProblem } from '../problem-messages'
import {
  DEFAULT_OPTIONS,
  resolveDatabasePath,
  resolvePaths,
  type MigrationTaskOptions,
  type ResolvedPaths,
  type RunOptions,
} from '../options'
import { parseFlags, type FlagTask, type Flags } from './flags'
import { progress } from './render'
import { info, paint, reserveStdoutForJson, warn } from './report'
import { cliWording } from './wording'

export interface TaskContext {
  readonly flags: Flags
  readonly paths: ResolvedPaths
  readonly table: string
  readonly databasePath: string
  /** The database path as the user sees it (relative to the working directory). */
  readonly databaseLabel: string
  /** Connection settings and progress output for the API. */
  readonly run: RunOptions
  readonly drift: DriftPolicy
  /** The databases of a fleet run (`--databases`, or the gulpfile's `databases` unless `--db` names one). */
  readonly fleet: string | undefined
  /** schema.sql when this run's database is the gulpfile's (it describes that one); `undefined` otherwise or when off. */
  readonly schemaFile: string | undefined
  label(path: string): string
  /** Opens the database (creating it) for `body`, and closes it. */
  withDatabase<T>(body: (db: Database) => Promise<T> | T): Promise<T>
  /** Opens the database read-only for `body`; `undefined` when it does not exist yet (it is never created). */
  withExistingDatabase<T>(body: (db: Database | undefined) => Promise<T> | T): Promise<T>
  /** The `beforeChanges` hook that takes a backup, when `--backup` or the gulpfile asks for one. */
  backupHook(db: Database, before: 'applying' | 'rolling back' | 'redoing' | 'repairing'): (() => Promise<void>) | undefined
  /**
   * Keeps schema.sql in step with the gulpfile's database: after a change, and when it is missing or stale. A run
   * on another database (--db, DATABASE_PATH) leaves it alone. A failure, or a file this tool did not write, is a
   * warning, never a failed deploy.
   */
  dumpSchema(db: Database, changed: boolean): void
  /** `--json`: the result for scripts, on stdout. */
  printJson(value: object): void
}

const label = (path: string) => relative(process.cwd(), path) || path

function transactionMode(flags: Flags, options: MigrationTaskOptions): TransactionMode {
  if (flags.atomic) return 'atomic'
  if (flags.transactionPerMigration) return 'each'
  return options.transactionMode ?? DEFAULT_OPTIONS.transactionMode
}

export function createContext(task: FlagTask, options: MigrationTaskOptions, argv: readonly string[] = process.argv.slice(2)): TaskContext {
  const flags = parseFlags(task, argv)
  if (flags.json) reserveStdoutForJson()
  const paths = resolvePaths(options)
  const table = options.table ?? DEFAULT_OPTIONS.table
  quoteIdentifier(table) // a bad table option is refused before the database file is opened (or created)
  const databasePath = resolveDatabasePath(options, flags.db)
  if (flags.databases !== undefined && flags.db !== undefined)
    throw new MigrateError({ kind: 'conflicting-options', options: ['database', 'databases'] })
  // The precedence of one database holds for a fleet too: --db, then DATABASE_PATH, beat the gulpfile's `databases`;
  // --databases, given on the command line, beats DATABASE_PATH (said once, as a deploy may set it for every command).
  const singleDatabase = flags.db !== undefined || Boolean(process.env.DATABASE_PATH)
  const fleet = flags.databases ?? (singleDatabase ? undefined : options.databases)
  if (flags.databases !== undefined && process.env.DATABASE_PATH)
    warn(`DATABASE_PATH is set, but --databases names the databases of this run: DATABASE_PATH is not used`)
  // schema.sql describes the schema the migrations give, kept by the database the gulpfile names; not by one picked for a run.
  const schemaFile = databasePath === resolveDatabasePath(options, undefined, {}) ? paths.schemaFile : undefined
  const busyTimeoutMs = flags.busyTimeoutMs ?? options.busyTimeoutMs ?? DEFAULT_OPTIONS.busyTimeoutMs
  const verbose = flags.verbose ? (sql: string) => info(paint('dim', `  ${sql}`)) : undefined
  const run: RunOptions = {
    table,
    busyTimeoutMs,
    transactionMode: transactionMode(flags, options),
    databaseLabel: label(databasePath),
    onEvent: flags.json ? undefined : progress(flags.quiet ?? false),
  }
  return Object.freeze({
    flags,
    paths,
    table,
    databasePath,
    databaseLabel: label(databasePath),
    run,
    drift: { allowOutOfOrder: flags.allowOutOfOrder, allowMissing: flags.allowMissing },
    schemaFile,
    fleet,
    label,
    async withDatabase<T>(body: (db: Database) => Promise<T> | T): Promise<T> {
      const db = openDatabase(databasePath, { busyTimeoutMs, verbose, driver: options.driver })
      try {
        return await body(db)
      } finally {
        db.close()
      }
    },
    async withExistingDatabase<T>(body: (db: Database | undefined) => Promise<T> | T): Promise<T> {
      const db = existsSync(databasePath)
        ? openDatabase(databasePath, { busyTimeoutMs, readonly: true, driver: options.driver })
        : undefined
      try {
        return await body(db)
      } catch (error) {
        throw translateSqliteError(error, databasePath, busyTimeoutMs) // a damaged file found while reading: its one-line reason
      } finally {
        db?.close()
      }
    },
    backupHook(db: Database, before: string) {
      if (!(flags.backup ?? options.backup ?? false)) return undefined
      return async () =>
        info(`Backed up ${label(databasePath)} to ${label(await backupDatabase(db, backupPath(databasePath)))} before ${before}`)
    },
    dumpSchema(db: Database, changed: boolean) {
      if (schemaFile) dumpSchemaFile(db, table, schemaFile, changed)
    },
    printJson(value: object) {
      process.stdout.write(JSON.stringify(value, null, 2) + '\n')
    },
  })
}

/** Writes schema.sql after a change, or when it is missing or stale (saying so); never fails the run that committed. */
function dumpSchemaFile(db: Database, table: string, file: string, changed: boolean): void {
  try {
    const state = changed ? undefined : schemaFileState(db, table, file, new Ledger(db, table).appliedIds().at(-1))
    if (state === 'current') return
    writeSchemaSnapshot(db, file, { table })
    if (state === 'stale') info(`Rewrote ${label(file)}: it did not match the database`)
  } catch (error) {
    if (error instanceof MigrateError && error.problem.kind === 'schema-file-foreign')
      warn(describeProblem({ ...error.problem, file: label(file) }, cliWording()))
    else warn(`Could not write ${label(file)}: ${(error as Error).message}`)
  }
}
