/**
 * Throwaway copies of a database for rehearsals (`--dry-run`, `migrate:verify`). The copy is one `VACUUM
 * INTO`: a consistent snapshot in one statement, so it finishes even while the
 * application writes every few milliseconds (SQLite's online backup restarts on every write from another
 * connection and may never finish). The real database is only read. Copies are removed when the rehearsal
 * ends, on SIGINT/SIGTERM, and, if a run was killed, by the next run.
 */
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, rmSync, statfsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MigrateError } from '../errors'
import { translateSqliteError } from './database'
import { pidIsAlive } from './lease'
import { isInternalSql } from './internal-sql'

const PREFIX = 'gulp-sqlite-migrate-rehearsal-'
const live = new Set<string>()

function remove(copyPath: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(copyPath + suffix, { force: true })
  live.delete(copyPath)
}

function onSignal(signal: NodeJS.Signals): void {
  for (const copy of [...live]) remove(copy)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  process.kill(process.pid, signal) // then stop as the signal asks
}

/** A process that exits (process.exit(), an empty event loop) while a rehearsal is pending removes its copies too. */
function onExit(): void {
  for (const copy of [...live]) remove(copy)
}

/** Copies left by a run that was killed (its process is gone) are removed by the next one. */
function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1])
    if (pid && pid !== process.pid && !pidIsAlive(pid)) rmSync(join(dir, name), { force: true })
  }
}

function assertSpace(dir: string, path: string): void {
  const needed = existsSync(path) ? statSync(path).size : 0
  const { bavail, bsize } = statfsSync(dir)
  if (needed > 0 && bavail * bsize < needed * 1.1)
    throw new MigrateError({ kind: 'no-space', folder: dir, neededBytes: needed, freeBytes: bavail * bsize })
}

/** Copies the database at `path` (or starts empty when it does not exist) and runs `body` on the copy. */
export async function withRehearsalCopy<T>(path: string, body: (copy: Database.Database, statements: string[]) => Promise<T>): Promise<T> {
  const dir = tmpdir()
  removeLeftovers(dir)
  assertSpace(dir, path)
  const copyPath = join(dir, `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}.sqlite3`)
  if (live.size === 0) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    process.on('exit', onExit)
  }
  live.add(copyPath)
  try {
    if (existsSync(path)) {
      // Not read-only: a connection must be able to roll back a hot journal that a writer killed mid-transaction
      // left behind (a read-only one fails with "attempt to write a readonly database"). VACUUM INTO writes only the copy.
      const source = new Database(path, { fileMustExist: true })
      try {
        source.prepare('VACUUM INTO ?').run(copyPath)
      } catch (error) {
        throw translateSqliteError(error, path, 0)
      } finally {
        source.close()
      }
    }
    const statements: string[] = []
    const copy = new Database(copyPath, { verbose: (sql) => (isInternalSql(String(sql)) ? undefined : statements.push(String(sql))) })
    try {
      return await body(copy, statements)
    } finally {
      copy.close()
    }
  } finally {
    remove(copyPath)
    if (live.size === 0) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.off('exit', onExit)
    }
  }
}
