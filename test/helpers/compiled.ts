/**
 * A folder of compiled migrations written directly as JavaScript, for tests of the runner that need real
 * files and a real SQLite database but not the TypeScript compiler.
 */
import { strict as assert } from 'node:assert'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { MigrateError } from '../../tasks/errors'
import { openDatabase } from '../../tasks/io/database'
import { listCompiledMigrations, type CompiledMigration } from '../../tasks/io/migration-files'
import { REPO } from './project'

export class CompiledFolder {
  readonly dir = join(REPO, '.test-tmp', `compiled-${process.pid}-${randomBytes(4).toString('hex')}`)
  readonly sourceDir = join(this.dir, 'migrations')
  readonly distDir = join(this.sourceDir, 'dist')
  readonly dbPath = join(this.dir, 'app.sqlite3')

  constructor() {
    mkdirSync(this.distDir, { recursive: true })
  }

  /** Writes `dist/<id>.js` with CommonJS `body` (which assigns `exports.up`, ...). */
  js(id: string, body: string): this {
    writeFileSync(join(this.distDir, `${id}.js`), body)
    // Without a compile manifest only compiled files whose source exists run: give each one a source (once,
    // so that a test rewriting the compiled file does not make the migration look changed).
    const source = join(this.sourceDir, `${id}.ts`)
    if (!existsSync(source)) writeFileSync(source, `// written directly as JavaScript by the test\n${body}`)
    return this
  }

  /** A migration whose `up` runs `sql` with `db.exec`. */
  sql(id: string, sql: string, extra = ''): this {
    return this.js(id, `exports.up = (db) => { db.exec(${JSON.stringify(sql)}) }\n${extra}`)
  }

  list(): CompiledMigration[] {
    return listCompiledMigrations({ sourceDir: this.sourceDir, distDir: this.distDir })
  }

  open(busyTimeoutMs = 2000): Database {
    return openDatabase(this.dbPath, { busyTimeoutMs })
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Names recorded in the migrations table, in order. */
export function recordedNames(db: Database): unknown[] {
  if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'migrations'`).get()) return []
  return db.prepare('SELECT name FROM migrations ORDER BY id').pluck().all()
}

/** The application's tables (not SQLite's, not the bookkeeping), by name. */
export function applicationTableNames(db: Database): unknown[] {
  return db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'migrations%' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
    )
    .pluck()
    .all()
}

/** Awaits a promise that must reject with a `MigrateError`, and returns that error. */
export async function rejection<E extends MigrateError = MigrateError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof MigrateError, `expected a MigrateError, got ${String(error)}`)
    return error as E
  }
  assert.fail('expected a rejection')
}
