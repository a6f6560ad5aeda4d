/** Online backups of the database (SQLite's backup API through better-sqlite3, `VACUUM INTO` on libsql), taken before it changes. */
import Database from 'better-sqlite3'
import { linkSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { formatTimestamp } from '../core/timestamp'
import { describeThrown, MigrateError } from '../errors'
import { databaseName, isLibsql } from './connection'
import { openDatabase } from './database'

/** `data/app.sqlite3` → `data/app.sqlite3.20261126143654.backup` (UTC). */
export function backupPath(databasePath: string, now = new Date()): string {
  return join(dirname(databasePath), `${basename(databasePath)}.${formatTimestamp(now)}.backup`)
}

/**
 * Moves the finished copy to `destination`, or to `destination-2`, `-3`, ... when that name is taken (two
 * runners in the same second): a hard link fails rather than replace an existing backup.
 */
function placeWithoutClobbering(partial: string, destination: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? destination : destination.replace(/\.backup$/, `-${n}.backup`)
    try {
      linkSync(partial, name)
      rmSync(partial)
      return name
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw error
    }
  }
}

/**
 * Copies the committed state of the live database to `destination`, consistently even while others write.
 * It may be called while `db` holds the write lock (the runner takes the backup after deciding what to apply
 * and before changing anything): SQLite's backup from a connection inside a transaction copies nothing, so
 * the copy is read through a second, read-only connection. The file is written under a temporary name and
 * given its name when complete, so a backup that exists is whole; an existing backup is never replaced.
 * libsql has no backup API: its copy is one `VACUUM INTO` (a consistent snapshot, like the rehearsal's copy).
 */
export async function backupDatabase(db: Database.Database, destination: string): Promise<string> {
  const partial = `${destination}.partial`
  const libsql = isLibsql(db)
  const second = db.inTransaction && !db.memory
  const source = !second
    ? db
    : libsql
      ? openDatabase(databaseName(db), { driver: 'libsql', readonly: true })
      : new Database(db.name, { readonly: true, fileMustExist: true })
  try {
    if (libsql) source.prepare('VACUUM INTO ?').run(partial)
    else await source.backup(partial)
    return placeWithoutClobbering(partial, destination)
  } catch (error) {
    try {
      rmSync(partial, { force: true })
    } catch {
      // the folder itself is the problem: nothing was written
    }
    throw new MigrateError({ kind: 'backup-failed', destination, cause: describeThrown(error) }, { cause: error })
  } finally {
    if (source !== db) source.close()
  }
}
