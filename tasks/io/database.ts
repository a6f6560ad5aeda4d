/** Opening the SQLite file and turning SQLite's error codes into messages that say what to do. */
import Database from 'better-sqlite3'
import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { MigrateError } from '../errors'

export interface OpenDatabaseOptions {
  /** How long to wait for another connection's write lock, in milliseconds. */
  readonly busyTimeoutMs: number
  /** Open without write access (and never create the file). */
  readonly readonly?: boolean
  /** Called with every SQL statement executed (better-sqlite3's `verbose` hook). */
  readonly verbose?: (sql: string) => void
}

export function openDatabase(path: string, options: OpenDatabaseOptions): Database.Database {
  let isDirectory = false
  try {
    isDirectory = statSync(path).isDirectory()
  } catch {
    // does not exist yet: SQLite creates it
  }
  if (isDirectory) {
    throw new MigrateError(
      'DATABASE_OPEN_FAILED',
      `Database path ${path} is a directory, not a file. Point --db (or DATABASE_PATH) at a database file such as ${path}/app.sqlite3.`,
    )
  }
  try {
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true })
  } catch (error) {
    throw new MigrateError(
      'DATABASE_OPEN_FAILED',
      `Cannot create the folder for database ${path}: ${(error as Error).message}. Create it, or point --db at a writable location.`,
      { cause: error },
    )
  }
  let db: Database.Database
  try {
    db = new Database(path, {
      timeout: options.busyTimeoutMs,
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      verbose: options.verbose ? (sql) => options.verbose?.(String(sql)) : undefined,
    })
  } catch (error) {
    throw translateSqliteError(error, path, options.busyTimeoutMs)
  }
  try {
    db.pragma('schema_version') // reads page 1: fails here for a file that is not a database
  } catch (error) {
    db.close()
    throw translateSqliteError(error, path, options.busyTimeoutMs)
  }
  return db
}

/** Turns a SQLite error about the database file into a `MigrateError`; anything else is returned as is. */
export function translateSqliteError(error: unknown, path: string, busyTimeoutMs: number): unknown {
  const code = (error as { code?: unknown })?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error
  const cause = (error as Error).message
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new MigrateError(
      'DATABASE_LOCKED',
      `Database ${path} is locked by another connection and stayed locked for the busy timeout of ${busyTimeoutMs} ms; nothing was changed. ` +
        'Wait for the other writer to finish, or raise the timeout with --busy-timeout=MS (option busyTimeoutMs).',
      { cause: error },
    )
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new MigrateError(
      'DATABASE_READONLY',
      `Database ${path} is read-only (${cause}); nothing was changed. Make the file and its folder writable by this user (SQLite writes a journal next to the file).`,
      { cause: error },
    )
  }
  if (code === 'SQLITE_NOTADB') {
    return new MigrateError(
      'NOT_A_DATABASE',
      `${path} is not a SQLite database (${cause}). Check --db / DATABASE_PATH: it must name a SQLite file, or a path where one can be created.`,
      { cause: error },
    )
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new MigrateError(
      'NOT_A_DATABASE',
      `Database ${path} is corrupt (${cause}); nothing was changed. Restore it from a backup, or check it with: sqlite3 ${path} "PRAGMA integrity_check"`,
      { cause: error },
    )
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new MigrateError(
      'DATABASE_OPEN_FAILED',
      `Cannot open database ${path} (${cause}). Check that the path is right and that its folder exists and is writable.`,
      { cause: error },
    )
  }
  return error
}
