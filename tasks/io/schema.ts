/** Reading the schema of a database, without the migration bookkeeping tables. */
import type { Database } from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { renderSchema, type SchemaObject } from '../core/schema'
import { writeFileAtomic } from './atomic-write'

export function readSchema(db: Database, table: string): SchemaObject[] {
  return db
    .prepare(
      `SELECT type, name, tbl_name AS "table", sql FROM sqlite_master
       WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND tbl_name NOT IN (?, ?)`,
    )
    .all(table, `${table}_lock`) as SchemaObject[]
}

/** Tables of the application (not SQLite's, not the migration bookkeeping). */
export function applicationTables(db: Database, table: string): string[] {
  return readSchema(db, table)
    .filter((o) => o.type === 'table')
    .map((o) => o.name)
    .sort()
}

/** Writes `schema.sql` (skipped when the content is the same). */
export function writeSchemaFile(db: Database, table: string, path: string, lastMigration: string | undefined): void {
  writeFileAtomic(path, renderSchema(readSchema(db, table), lastMigration))
}

/** True when `schema.sql` matches the database's schema; `undefined` when there is no such file. */
export function schemaFileIsCurrent(db: Database, table: string, path: string, lastMigration: string | undefined): boolean | undefined {
  let current: string
  try {
    current = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  return current.replace(/\r\n/g, '\n') === renderSchema(readSchema(db, table), lastMigration)
}
