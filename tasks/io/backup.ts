/** Online backups of the database (SQLite's backup API through better-sqlite3), taken before it changes. */
import Database from 'better-sqlite3'
import { renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { formatTimestamp } from '../core/timestamp'

/** `data/app.sqlite3` → `data/app.sqlite3.20261126143654.backup` (UTC). */
export function backupPath(databasePath: string, now = new Date()): string {
  return join(dirname(databasePath), `${basename(databasePath)}.${formatTimestamp(now)}.backup`)
}

/**
 * Copies the committed state of the live database to `destination`, consistently even while others write.
 * It may be called while `db` holds the write lock (the runner takes the backup after deciding what to apply
 * and before changing anything): SQLite's backup from a connection inside a transaction copies nothing, so
 * the copy is read through a second, read-only connection. The file is written under a temporary name and
 * renamed when complete, so a backup that exists is whole.
 */
export async function backupDatabase(db: Database.Database, destination: string): Promise<string> {
  const partial = `${destination}.partial`
  const source = db.inTransaction && !db.memory ? new Database(db.name, { readonly: true, fileMustExist: true }) : db
  try {
    await source.backup(partial)
    renameSync(partial, destination)
    return destination
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  } finally {
    if (source !== db) source.close()
  }
}
