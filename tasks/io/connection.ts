/**
 * Reading results the same way on both drivers. The runner takes a better-sqlite3-shaped `Database`; libSQL's
 * `libsql` package has the same shape, with differences these helpers absorb (measured on libsql 0.5.29):
 *
 * - `statement.pluck().get()` (and so `db.pragma(name, { simple: true })`) returns the whole row: libsql
 *   applies pluck() in `all()` only. Raw rows are arrays on both, so libsql's first value is read from one.
 * - Rows from `get()` carry an extra `_metadata` field (`all()` rows do not).
 * - `db.name` is empty (`openDatabase` sets it; otherwise SQLite's `pragma_database_list` knows the file).
 * - `unsafeMode()` is not implemented: libsql does not turn SQLite's defensive mode on, so there is nothing to switch.
 *
 * On better-sqlite3 every helper does exactly what the code did before (pluck(), no extra statement).
 */
import type { Database } from 'better-sqlite3'

/** A libsql connection (its `syncUntil` is libSQL's replication API, which better-sqlite3 does not have). */
export function isLibsql(db: Database): boolean {
  return typeof (db as { syncUntil?: unknown }).syncUntil === 'function'
}

/** A prepared statement whose `get()` returns the first column of the first row (`undefined` for no row). */
export interface ValueStatement {
  get(...params: unknown[]): unknown
}

export function valueStatement(db: Database, sql: string): ValueStatement {
  const statement = db.prepare(sql)
  if (!isLibsql(db)) return statement.pluck()
  statement.raw()
  return { get: (...params) => (statement.get(...params) as unknown[] | undefined)?.[0] }
}

/** The first column of the first row of `sql`, or `undefined` when it returns no row. */
export function value(db: Database, sql: string, ...params: unknown[]): unknown {
  return valueStatement(db, sql).get(...params)
}

/** The value of a setting, `PRAGMA <name>` (e.g. 1 for `foreign_keys` on); `prefix` is a comment before it. */
export function pragmaValue(db: Database, name: string, prefix = ''): unknown {
  return value(db, `${prefix}${prefix ? ' ' : ''}PRAGMA ${name}`)
}

/** A row from `get()` without libsql's `_metadata` field; `undefined` stays `undefined`. */
export function plainRow<T extends object>(row: T | undefined): T | undefined {
  if (row === undefined || !('_metadata' in row)) return row
  const rest = { ...row }
  delete (rest as { _metadata?: unknown })._metadata
  return rest
}

/** The connection's file: its `name`, or (libsql opened by the caller) the main database's file as SQLite reports it. */
export function databaseName(db: Database): string {
  if (db.name) return db.name
  return String(value(db, `SELECT file FROM pragma_database_list WHERE name = 'main'`) ?? '')
}

/** better-sqlite3's `unsafeMode()` (SQLite's defensive mode off); a libsql connection is not in defensive mode. */
export function setUnsafeMode(db: Database, unsafe: boolean): void {
  if (!isLibsql(db)) db.unsafeMode(unsafe)
}
