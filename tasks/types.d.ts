/**
 * Public types for migration authors. A declaration file, so that it has no run-time part and a migration's
 * `import type { Migration } from 'gulp-sqlite-migrate'` costs nothing when it is compiled.
 */
import type { Database } from 'better-sqlite3'

export type { Database }

/**
 * `up` or `down`: applies or reverts a migration. May be synchronous or `async`: what it returns is awaited, so a
 * one-liner such as `(db) => db.exec('DROP TABLE notes')` (which returns the `Database`) type-checks too.
 */
export type MigrationFn = (db: Database) => unknown

/**
 * What a migration module exports.
 *
 * @example
 * ```ts
 * import type { Migration } from 'gulp-sqlite-migrate'
 *
 * export const up: Migration['up'] = (db) => {
 *   db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)')
 *   db.prepare('INSERT INTO users (email) VALUES (?)').run('admin@example.com')
 * }
 *
 * export const down: Migration['down'] = (db) => {
 *   db.exec('DROP TABLE users')
 * }
 * ```
 */
export interface Migration {
  /** Applies the change. Runs inside a transaction together with the row that records it. */
  up: MigrationFn
  /** Reverts the change. A migration without `down` cannot be rolled back. */
  down?: MigrationFn
  /**
   * `false` runs the migration outside any transaction (for `VACUUM`, `PRAGMA journal_mode`, ...). It is
   * recorded only after it succeeds, but a failure half-way leaves its earlier statements applied.
   * Default `true`.
   */
  transaction?: boolean
  /**
   * `false` turns foreign key enforcement off before the transaction starts (where SQLite honours it), checks
   * `PRAGMA foreign_key_check` before committing and restores the setting afterwards. Use it for the 12-step
   * table rebuild of https://www.sqlite.org/lang_altertable.html. Default `true` (unchanged).
   */
  foreignKeys?: boolean
  /**
   * `true` runs the migration with better-sqlite3's `unsafeMode()`: SQLite's defensive mode is off, so
   * `PRAGMA writable_schema` and edits of `sqlite_master` work (a mistake there can corrupt the database: back it
   * up first). Without it, such statements are refused before they run. Default `false`.
   */
  unsafe?: boolean
}
