/** Online backups of the database (SQLite's backup API through better-sqlite3), taken before it changes. */
import type { Database } from 'better-sqlite3'
import { basename, dirname, join } from 'node:path'
import { formatTimestamp } from '../core/timestamp'

/** `data/app.sqlite3` → `data/app.sqlite3.20261126143654.backup` (UTC). */
export function backupPath(databasePath: string, now = new Date()): string {
  return join(dirname(databasePath), `${basename(databasePath)}.${formatTimestamp(now)}.backup`)
}

/** Copies the live database, consistently even while others write, to `destination`. */
export async function backupDatabase(db: Database, destination: string): Promise<string> {
  await db.backup(destination)
  return destination
}
