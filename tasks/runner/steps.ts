/** A migration ready to run: its file and its loaded module, and how its `up` or `down` is called. */
import type { Database } from 'better-sqlite3'
import { setUnsafeMode } from '../io/connection'
import { connectionState } from '../io/connection-state'
import { guardedDatabase } from '../io/guarded-database'
import type { CompiledMigration } from '../io/migration-files'
import type { Direction } from '../problems'
import type { Migration, MigrationFn } from '../types'

export interface Step {
  readonly migration: CompiledMigration
  readonly module: Migration
}

/** A redo: the version that was applied (for its down) and the version to apply now. */
export interface ReplaceStep extends Step {
  readonly applied: Migration
}

/**
 * Runs `module`'s function for `direction` (a down is known to exist: the API checked it before running). Inside
 * the runner's transaction the migration gets the guarded connection; outside one (`transaction = false`), the
 * bare one. A migration that exports `unsafe = true` runs with better-sqlite3's `unsafeMode()` (SQLite's
 * defensive mode off, so `PRAGMA writable_schema` works; a libsql connection is never in defensive mode),
 * switched back off afterwards whatever happens. The connection's settings (legacy_alter_table,
 * recursive_triggers, ...) are put back after each migration.
 */
export async function runMigrationFunction(db: Database, module: Migration, direction: Direction, inTransaction: boolean): Promise<void> {
  const fn = (direction === 'up' ? module.up : module.down) as MigrationFn
  const unsafe = module.unsafe === true
  // Settings change only through a PRAGMA, which the guard sees before it runs: they are read then, not before and
  // after every migration. Outside a transaction the executor keeps the settings itself (before recording).
  let connection: { restore(): void } | undefined
  const beforePragma = () => void (connection ??= connectionState(db))
  if (unsafe) setUnsafeMode(db, true)
  try {
    await fn(inTransaction ? guardedDatabase(db, { unsafe, beforePragma }) : db)
  } finally {
    if (unsafe && db.open) setUnsafeMode(db, false)
    connection?.restore()
  }
}
