/** Opening the SQLite file and turning SQLite's error codes into messages that say what to do. */
import Database from 'better-sqlite3'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { MigrateError } from '../errors'
import { DEFAULT_OPTIONS, type DriverName } from '../options'
import type { Problem } from '../problems'

export interface OpenDatabaseOptions {
  /** How long to wait for another connection's write lock, in milliseconds. Default 10 000 (`DEFAULT_OPTIONS`). */
  readonly busyTimeoutMs?: number
  /** Open without write access (and never create the file). */
  readonly readonly?: boolean
  /** Called with every SQL statement executed (better-sqlite3's `verbose` hook; libsql has none). */
  readonly verbose?: (sql: string) => void
  /** The driver: better-sqlite3 (default) or libSQL's `libsql` package, loaded only when chosen. */
  readonly driver?: DriverName
}

type Opening = OpenDatabaseOptions & { readonly busyTimeoutMs: number; readonly fileMustExist?: boolean }

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir never returns when the file system answers ENOENT for a
 * folder whose parent exists (under /proc, for one), so a database path there would hang the run instead of failing.
 */
function makeFolder(dir: string): void {
  const missing: string[] = []
  for (let at = dir; !existsSync(at); at = dirname(at)) {
    missing.unshift(at)
    if (dirname(at) === at) break
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error // another process made it meanwhile: fine
    }
  }
}

export function openDatabase(path: string, opened: OpenDatabaseOptions = {}): Database.Database {
  const options = { ...opened, busyTimeoutMs: opened.busyTimeoutMs ?? DEFAULT_OPTIONS.busyTimeoutMs }
  let isDirectory = false
  try {
    isDirectory = statSync(path).isDirectory()
  } catch {
    // does not exist yet: SQLite creates it
  }
  if (isDirectory) {
    throw new MigrateError({ kind: 'database-directory', database: path })
  }
  try {
    if (!options.readonly) makeFolder(dirname(path))
  } catch (error) {
    throw new MigrateError({ kind: 'database-folder', database: path, cause: (error as Error).message }, { cause: error })
  }
  let db: Database.Database
  try {
    db = connect(path, options)
  } catch (error) {
    throw translateSqliteError(error, path, options.busyTimeoutMs)
  }
  try {
    db.pragma('schema_version') // reads page 1: fails here for a file that is not a database
  } catch (error) {
    db.close()
    if ((error as { code?: unknown }).code === 'SQLITE_READONLY_ROLLBACK' && options.readonly) {
      recoverHotJournal(path, options)
      return openDatabase(path, options)
    }
    throw translateSqliteError(error, path, options.busyTimeoutMs)
  }
  return db
}

/**
 * A writer killed mid-transaction leaves a hot journal that the next connection must roll back; a read-only
 * one cannot (SQLITE_READONLY_ROLLBACK), so status and check would call the database read-only. One
 * ordinary connection does the recovery SQLite would do on first access (it restores the last committed state).
 */
function recoverHotJournal(path: string, options: Opening): void {
  let writer: Database.Database | undefined
  try {
    writer = connect(path, { busyTimeoutMs: options.busyTimeoutMs, driver: options.driver, fileMustExist: true })
    writer.pragma('schema_version')
  } catch (error) {
    throw translateSqliteError(error, path, options.busyTimeoutMs)
  } finally {
    writer?.close()
  }
}

/** A connection through the chosen driver; read-only connections never create the file. */
function connect(path: string, options: Opening): Database.Database {
  const driver = options.driver ?? DEFAULT_OPTIONS.driver
  if (driver === 'libsql') return connectLibsql(path, options)
  if (driver !== 'better-sqlite3')
    throw new MigrateError({ kind: 'invalid-option', option: 'driver', value: driver, expected: "'better-sqlite3' or 'libsql'" })
  return new Database(path, {
    timeout: options.busyTimeoutMs,
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? options.readonly ?? false,
    verbose: options.verbose ? (sql) => options.verbose?.(String(sql)) : undefined,
  })
}

type LibsqlDatabase = new (path: string, options: { timeout: number }) => Database.Database

/** libsql, required only when chosen: it is an optional peer dependency. */
function loadLibsql(path: string): LibsqlDatabase {
  try {
    return require('libsql') as LibsqlDatabase
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'libsql'/.test((error as Error).message)
    const cause = missing
      ? 'the libsql driver is not installed: npm install libsql'
      : `the libsql driver could not be loaded: ${(error as Error).message.split('\n')[0]}`
    throw new MigrateError({ kind: 'database-open-failed', database: path, cause }, { cause: error })
  }
}

/** `file:` URI of `path` for SQLite, whose URIs give `?`, `#` and `%` a meaning. */
const fileUri = (path: string, query: string) => `file:${path.replace(/[%?#]/g, (c) => encodeURIComponent(c))}?${query}`

/**
 * libsql takes the busy timeout (`timeout`, milliseconds) but ignores `readonly` and `fileMustExist`: a read-only
 * connection is a `mode=ro` URI, and a missing file is refused here as better-sqlite3 refuses it. Its `name`
 * (empty) and `readonly` (always false) are set to what they are.
 */
function connectLibsql(path: string, options: Opening): Database.Database {
  const Libsql = loadLibsql(path)
  if (options.verbose)
    throw new MigrateError({
      kind: 'invalid-option',
      option: 'verbose',
      value: true,
      expected: "off with driver 'libsql' (it has no statement hook)",
    })
  if ((options.readonly || options.fileMustExist) && !existsSync(path))
    throw new MigrateError({ kind: 'database-open-failed', database: path, cause: 'unable to open database file' })
  let db: Database.Database
  try {
    db = new Libsql(options.readonly ? fileUri(path, 'mode=ro') : path, { timeout: options.busyTimeoutMs })
  } catch (error) {
    // A file SQLite cannot open is a plain `ConnectionFailed("...: <SQLite code>")` error without a code.
    if ((error as { code?: unknown }).code) throw error
    throw new MigrateError({ kind: 'database-open-failed', database: path, cause: (error as Error).message }, { cause: error })
  }
  return Object.assign(db, { name: path, readonly: options.readonly ?? false })
}

/** Turns a SQLite error about the database file into a `MigrateError`; anything else is returned as is. */
export function translateSqliteError(error: unknown, path: string, busyTimeoutMs: number): unknown {
  const code = (error as { code?: unknown })?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error
  const problem = sqliteProblem(code, path, (error as Error).message, busyTimeoutMs)
  return problem ? new MigrateError(problem, { cause: error }) : error
}

function sqliteProblem(code: string, database: string, cause: string, busyTimeoutMs: number): Problem | undefined {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { kind: 'database-locked', database, busyTimeoutMs }
  if (code.startsWith('SQLITE_READONLY')) return { kind: 'database-readonly', database, cause }
  if (code === 'SQLITE_NOTADB') return { kind: 'not-a-database', database, cause }
  if (code.startsWith('SQLITE_CORRUPT')) return { kind: 'database-corrupt', database, cause }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH'))
    return { kind: 'database-open-failed', database, cause }
  return undefined
}
