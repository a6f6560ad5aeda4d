/** Opening the SQLite file and turning SQLite's error codes into messages that say what to do. */
import Database from 'better-sqlite3'
import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { MigrateError } from '../errors'
import { DEFAULT_OPTIONS } from '../options'
import type { Problem } from '../problems'

export interface OpenDatabaseOptions {
  /** How long to wait for another connection's write lock, in milliseconds. Default 10 000 (`DEFAULT_OPTIONS`). */
  readonly busyTimeoutMs?: number
  /** Open without write access (and never create the file). */
  readonly readonly?: boolean
  /** Called with every SQL statement executed (better-sqlite3's `verbose` hook). */
  readonly verbose?: (sql: string) => void
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
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true })
  } catch (error) {
    throw new MigrateError({ kind: 'database-folder', database: path, cause: (error as Error).message }, { cause: error })
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
    if ((error as { code?: unknown }).code === 'SQLITE_READONLY_ROLLBACK' && options.readonly) {
      recoverHotJournal(path, options.busyTimeoutMs)
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
function recoverHotJournal(path: string, busyTimeoutMs: number): void {
  let writer: Database.Database | undefined
  try {
    writer = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs })
    writer.pragma('schema_version')
  } catch (error) {
    throw translateSqliteError(error, path, busyTimeoutMs)
  } finally {
    writer?.close()
  }
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
