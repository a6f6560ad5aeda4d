/**
 * The runner on both drivers, better-sqlite3 and libSQL's `libsql`, on real SQLite files opened by
 * `openDatabase(path, { driver })`: the same scenarios must give the same outcome on each. The libsql half is
 * skipped, saying so, where the optional `libsql` package is not installed.
 */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import {
  applyMigrations,
  backupDatabase,
  backupPath,
  migrationStatus,
  MigrationRunError,
  redoMigrations,
  releaseLease,
  rollbackMigrations,
  type ApplyOptions,
} from '../../tasks/index'
import { pragmaValue, value } from '../../tasks/io/connection'
import { openDatabase } from '../../tasks/io/database'
import type { DriverName } from '../../tasks/options'
import { CompiledFolder, applicationTableNames, recordedNames, rejection } from '../helpers/compiled'

const libsqlLoads = (() => {
  try {
    require('libsql')
    return true
  } catch {
    return false
  }
})()
const SKIPPED = ' (SKIPPED: the optional libsql package is not installed; npm install libsql to run these)'

/** A process that holds the write lock of `path` for `ms`; resolves once it holds it, with its exit. */
function holdWriteLock(path: string, ms: number): Promise<{ exited: Promise<void> }> {
  const child = spawn(process.execPath, [
    '-e',
    `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(path)});
     db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms}); db.exec('COMMIT')`,
  ])
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve({ exited }))
    child.once('error', reject)
  })
}

for (const driver of ['better-sqlite3', 'libsql'] as DriverName[]) {
  describe(`the runner on ${driver}${driver === 'libsql' && !libsqlLoads ? SKIPPED : ''}`, () => {
    let folder: CompiledFolder
    let db: Database
    const open = (options: { readonly?: boolean; busyTimeoutMs?: number } = {}) =>
      openDatabase(folder.dbPath, { busyTimeoutMs: 2000, ...options, driver })
    before(function () {
      if (driver === 'libsql' && !libsqlLoads) this.skip()
    })
    beforeEach(() => {
      folder = new CompiledFolder()
      db = open()
    })
    afterEach(() => {
      if (db.open) db.close()
      folder.remove()
    })
    const apply = (options: ApplyOptions = {}) => applyMigrations(db, folder.list(), options)
    const tables = () => applicationTableNames(db)

    it('opens a real file through the chosen driver, named by its path', async () => {
      assert.equal(db.name, folder.dbPath)
      assert.equal(Object.keys(db.prepare('SELECT 1 AS one').get() as object).includes('_metadata'), driver === 'libsql')
    })

    it('applies; a failure rolls back with its record and keeps what came before (batch), or everything (atomic)', async () => {
      folder
        .sql('001_a', 'CREATE TABLE a (id INTEGER)')
        .js('002_fails', `exports.up = (db) => { db.exec('CREATE TABLE fails (id INTEGER)'); throw new Error('no') }`)
        .sql('003_c', 'CREATE TABLE c (id INTEGER)')
      const error = await rejection<MigrationRunError>(apply({ transactionMode: 'atomic' }))
      assert.deepEqual([recordedNames(db), tables()], [[], []])
      assert.match(error.message, /the 1 migration\(s\) before it in the same transaction were undone too/)
      const batch = await rejection<MigrationRunError>(apply())
      assert.deepEqual(
        batch.results.map((r) => [r.id, r.outcome]),
        [
          ['001_a', 'applied'],
          ['002_fails', 'failed'],
          ['003_c', 'not-run'],
        ],
      )
      assert.deepEqual([recordedNames(db), tables()], [['001_a.ts'], ['a']])
    })

    it('rolls back with down, and redoes in one transaction', async () => {
      folder
        .js('001_a', `exports.up = (db) => db.exec('CREATE TABLE a (id INTEGER)'); exports.down = (db) => db.exec('DROP TABLE a')`)
        .js('002_b', `exports.up = (db) => db.exec('CREATE TABLE b (id INTEGER)'); exports.down = (db) => db.exec('DROP TABLE b')`)
      await apply()
      await rollbackMigrations(db, folder.list())
      assert.deepEqual([recordedNames(db), tables()], [['001_a.ts'], ['a']])
      await apply()
      db.exec('INSERT INTO b VALUES (1)')
      await redoMigrations(db, folder.list())
      assert.deepEqual([recordedNames(db), tables(), value(db, 'SELECT count(*) FROM b')], [['001_a.ts', '002_b.ts'], ['a', 'b'], 0])
    })

    it('refuses drift: an applied migration whose source changed', async () => {
      folder.sql('001_a', 'CREATE TABLE a (id INTEGER)')
      await apply()
      writeFileSync(`${folder.sourceDir}/001_a.ts`, '// edited\n')
      folder.sql('002_b', 'CREATE TABLE b (id INTEGER)')
      const error = await rejection(apply())
      assert.equal(error.problem.kind, 'drift')
      assert.deepEqual(tables(), ['a'])
    })

    describe('foreign keys', () => {
      const schema = `
        CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
        INSERT INTO parent VALUES (1, 'one'), (2, 'two');
        INSERT INTO child VALUES (10, 1), (11, 1), (20, 2);`
      const rebuild = `
        CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'plain');
        INSERT INTO new_parent (id, name) SELECT id, name FROM parent;
        DROP TABLE parent;
        ALTER TABLE new_parent RENAME TO parent;`

      it('foreignKeys = false: rebuilds a parent table keeping its cascade children; foreign keys back on', async () => {
        folder.sql('001_schema', schema).sql('002_rebuild', rebuild, 'exports.foreignKeys = false')
        await apply()
        assert.deepEqual(db.prepare('SELECT id, parent_id FROM child ORDER BY id').raw().all(), [
          [10, 1],
          [11, 1],
          [20, 2],
        ])
        assert.equal(pragmaValue(db, 'foreign_keys'), 1)
      })

      it('without it, the guard refuses the DROP that would cascade into the children', async () => {
        folder.sql('001_schema', schema).js('002_rebuild', `exports.up = (db) => db.exec(${JSON.stringify(rebuild)})`)
        const error = await rejection(apply())
        assert.match(error.message, /DROP TABLE parent would delete the rows of child \(ON DELETE CASCADE\)/)
        assert.equal(value(db, 'SELECT count(*) FROM child'), 3)
      })

      it('rolls back a migration that leaves new violations', async () => {
        folder.sql('001_schema', schema).sql('002_orphans', 'DELETE FROM parent WHERE id = 2', 'exports.foreignKeys = false')
        const error = await rejection(apply())
        assert.match(error.message, /child row 20 references a missing row in parent/)
        assert.deepEqual([recordedNames(db), value(db, 'SELECT count(*) FROM parent')], [['001_schema.ts'], 2])
      })
    })

    it('refuses a migration that writes to the migrations table', async () => {
      folder.sql('001_a', 'CREATE TABLE a (id INTEGER)').sql('002_forge', `INSERT INTO migrations (name) VALUES ('999_forged.ts')`)
      const error = await rejection(apply())
      assert.match(error.message, /it changed the migrations table or its lease table/)
      assert.deepEqual(recordedNames(db), ['001_a.ts'])
    })

    it('transaction = false: runs under its lease, released afterwards; the settings it changed are put back', async () => {
      folder.js(
        '001_outside',
        `exports.transaction = false
         exports.up = (db) => { db.exec('PRAGMA legacy_alter_table = ON; CREATE TABLE seen AS SELECT migration FROM migrations_lock') }`,
      )
      await apply()
      assert.deepEqual(db.prepare('SELECT migration FROM seen').raw().all(), [['001_outside']])
      assert.equal(value(db, 'SELECT count(*) FROM migrations_lock'), 0)
      assert.deepEqual(
        ['legacy_alter_table', 'foreign_keys', 'automatic_index'].map((name) => pragmaValue(db, name)),
        [0, 1, 1],
        'changed back, and the others left as they were',
      )
      assert.deepEqual(recordedNames(db), ['001_outside.ts'])
    })

    it('unsafe = true: a migration may edit sqlite_master', async () => {
      folder
        .sql('001_a', 'CREATE TABLE a (x TEXT)')
        .js(
          '002_edit',
          `exports.unsafe = true; exports.up = (db) => { db.exec("PRAGMA writable_schema = ON"); db.exec("UPDATE sqlite_master SET sql = replace(sql, 'x TEXT', 'x INTEGER') WHERE name = 'a'"); db.exec("PRAGMA writable_schema = OFF") }`,
        )
      await apply()
      db.close()
      db = open()
      assert.equal(value(db, `SELECT type FROM pragma_table_info('a')`), 'INTEGER')
    })

    it("a live lease of another runner: waits within the busy timeout, then names it; releaseLease returns the lease's fields", async () => {
      folder.sql('000_setup', 'CREATE TABLE setup (id INTEGER)')
      await apply()
      db.prepare(
        `INSERT INTO migrations_lock (id, owner, pid, host, migration, acquired_at, expires_at, identity) VALUES (1, 'other', ?, ?, '001_long', ?, ?, NULL)`,
      ).run(process.pid, hostname(), new Date().toISOString(), new Date(Date.now() + 60_000).toISOString())
      folder.sql('001_long', 'CREATE TABLE long (id INTEGER)')
      const error = await rejection(apply({ busyTimeoutMs: 200 }))
      assert.equal(error.problem.kind, 'lease-held')
      const lease = releaseLease(db, { force: true })
      assert.deepEqual(Object.keys(lease ?? {}).sort(), ['acquiredAt', 'expiresAt', 'host', 'identity', 'migration', 'owner', 'pid'])
      await apply()
      assert.deepEqual(tables(), ['long', 'setup'])
    })

    it('another writer: waits for it within the busy timeout, or says the database is locked', async () => {
      folder.sql('001_a', 'CREATE TABLE a (id INTEGER)')
      db.close()
      db = open({ busyTimeoutMs: 100 })
      const { exited } = await holdWriteLock(folder.dbPath, 400)
      const error = await rejection(apply({ busyTimeoutMs: 100 }))
      assert.deepEqual(error.problem, { kind: 'database-locked', database: folder.dbPath, busyTimeoutMs: 100 })
      db.close()
      db = open({ busyTimeoutMs: 5000 })
      const started = Date.now()
      await apply()
      assert.ok(Date.now() - started >= 100, 'it waited for the other writer')
      assert.deepEqual(recordedNames(db), ['001_a.ts'])
      await exited
    })

    it('backs up: the state before the changes while holding the write lock, and an idle connection', async () => {
      folder.sql('001_a', 'CREATE TABLE a (id INTEGER)')
      await apply()
      folder.sql('002_b', 'CREATE TABLE b (id INTEGER)')
      let backup = ''
      await apply({ beforeChanges: async () => void (backup = await backupDatabase(db, backupPath(folder.dbPath))) })
      const idle = await backupDatabase(db, backupPath(folder.dbPath, new Date(0))) // not in a transaction: the same connection
      for (const [file, expected] of [
        [backup, ['a']],
        [idle, ['a', 'b']],
      ] as const) {
        const copy = openDatabase(file, { readonly: true, driver })
        try {
          assert.deepEqual(applicationTableNames(copy), expected)
        } finally {
          copy.close()
        }
      }
    })

    it('status and check open read-only: they read, never write nor create the file', async () => {
      folder.sql('001_a', 'CREATE TABLE a (id INTEGER)').sql('002_b', 'CREATE TABLE b (id INTEGER)')
      await applyMigrations(db, folder.list(), { to: '001_a' })
      db.close()
      db = open({ readonly: true })
      const report = migrationStatus(db, { sourceDir: folder.sourceDir, distDir: folder.distDir })
      assert.deepEqual(
        report.migrations.map((m) => [m.id, m.state]),
        [
          ['001_a', 'applied'],
          ['002_b', 'pending'],
        ],
      )
      assert.throws(() => db.exec('CREATE TABLE written (id INTEGER)'), { code: 'SQLITE_READONLY' })
      const missing = `${folder.dir}/missing.sqlite3`
      assert.equal(rejectionOf(() => openDatabase(missing, { readonly: true, driver })).kind, 'database-open-failed')
      assert.equal(existsSync(missing), false)
    })

    it('words what is not a database', async () => {
      const junk = `${folder.dir}/junk.sqlite3`
      writeFileSync(junk, Buffer.alloc(4096, 7))
      assert.equal(rejectionOf(() => openDatabase(junk, { driver })).kind, 'not-a-database')
    })
  })
}

describe('choosing the driver', () => {
  const path = join(tmpdir(), `never-created-${process.pid}.sqlite3`)
  it('refuses an unknown driver', async () => {
    assert.equal(rejectionOf(() => openDatabase(path, { driver: 'sqlite3' as DriverName })).kind, 'invalid-option')
  })

  it('refuses, on libsql, the verbose hook it does not have', async function () {
    if (!libsqlLoads) this.skip()
    const verbose = rejectionOf(() => openDatabase(path, { driver: 'libsql', verbose: () => undefined }))
    assert.deepEqual([verbose.kind, 'option' in verbose && verbose.option], ['invalid-option', 'verbose'])
  })

  it('says how to install libsql when it is not installed', async function () {
    if (libsqlLoads) this.skip() // installed here: the runner's tests above ran on it
    const problem = rejectionOf(() => openDatabase(path, { driver: 'libsql' }))
    assert.deepEqual(problem, {
      kind: 'database-open-failed',
      database: path,
      cause: 'the libsql driver is not installed: npm install libsql',
    })
  })
})

/** The problem of the `MigrateError` that `open` throws. */
function rejectionOf(open: () => unknown) {
  try {
    open()
  } catch (error) {
    const problem = (error as { problem?: import('../../tasks/index').Problem }).problem
    assert.ok(problem, `expected a MigrateError, got ${String(error)}`)
    return problem
  }
  assert.fail('expected a MigrateError')
}
