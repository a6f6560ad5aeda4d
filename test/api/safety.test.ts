/**
 * No silent damage (issue 10), on real SQLite files: a transaction that ends under a migration, deferred
 * foreign keys at COMMIT, the bookkeeping tables, a table of another tool, connection settings that leak,
 * foreign key checks that miss, compiled files without a source, look-alike names, odd thrown values.
 */
import { strict as assert } from 'node:assert'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { applyMigrations, describeThrown, listCompiledMigrations, MigrationRunError } from '../../tasks/index'
import { MANIFEST_FILE } from '../../tasks/io/manifest'
import { CompiledFolder, applicationTableNames, recordedNames, rejection } from '../helpers/compiled'
import { dumpDatabase } from '../helpers/project'

describe('safety', () => {
  let folder: CompiledFolder
  let db: Database
  beforeEach(() => {
    folder = new CompiledFolder()
    db = folder.open()
  })
  afterEach(() => {
    if (db.open) db.close()
    folder.remove()
  })
  const apply = () => applyMigrations(db, folder.list())
  const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()

  describe('a transaction that ends under a migration', () => {
    beforeEach(() => {
      folder.sql(
        '001_rows',
        `CREATE TABLE t (n INTEGER); CREATE TRIGGER no_three BEFORE INSERT ON t WHEN NEW.n = 3 BEGIN SELECT RAISE(ROLLBACK, 'three'); END;`,
      )
    })

    it('fails at the next call after a caught RAISE(ROLLBACK); nothing after it is committed, and the result says so', async () => {
      folder.js(
        '002_swallow',
        `exports.up = (db) => { for (const n of [1, 2, 3, 4, 5]) { try { db.prepare('INSERT INTO t VALUES (?)').run(n) } catch (e) { if (!String(e.message).includes('three')) throw e } } }`,
      )
      const error = await rejection<MigrationRunError>(apply())
      assert.equal(error.problem.kind, 'migration-failed')
      if (error.problem.kind === 'migration-failed') assert.equal(error.problem.outcome.transactionLost, 'rolled-back')
      assert.match(error.message, /transaction ended while the migration was running/)
      assert.deepEqual(
        error.results.map((r) => [r.id, r.outcome]),
        [
          ['001_rows', 'rolled-back'],
          ['002_swallow', 'failed'],
        ],
      )
      assert.deepEqual(applicationTableNames(db), [], 'rows 4 and 5 did not run in autocommit; the batch was undone by SQLite')
      assert.deepEqual(recordedNames(db), [])
    })

    it('also stops a statement prepared before the transaction ended', async () => {
      folder.js(
        '002_prepared',
        `exports.up = (db) => { const insert = db.prepare('INSERT INTO t VALUES (?)'); const count = db.prepare('SELECT count(*) FROM t').pluck(); try { insert.run(3) } catch {} ; count.get(); insert.run(4) }`,
      )
      const error = await rejection(apply())
      assert.match(error.message, /transaction ended/)
      assert.deepEqual(applicationTableNames(db), [])
    })

    it('never hands out the unguarded connection through a statement: stmt.database.exec(COMMIT) is refused', async () => {
      folder.js('002_sneaky', `exports.up = (db) => { db.prepare('SELECT 1').database.exec('COMMIT') }`)
      const error = await rejection(apply())
      assert.match(error.message, /Refused SQL: the migration runs its own BEGIN\/COMMIT\/ROLLBACK/)
      assert.deepEqual(recordedNames(db), ['001_rows.ts'], 'the migration before it is kept (batch), this one is not')
    })

    it('reports a connection closed by the migration', async () => {
      folder.js('002_close', `exports.up = (db) => { db.close() }`)
      const error = await rejection(apply())
      if (error.problem.kind === 'migration-failed') assert.equal(error.problem.outcome.transactionLost, 'closed')
      else assert.fail(error.message)
    })
  })

  it('names the migrations of a transaction that deferred foreign keys stop at COMMIT, and undoes them', async () => {
    folder
      .sql(
        '001_tables',
        'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)',
      )
      .sql('002_orphan', 'INSERT INTO c VALUES (42)')
    const error = await rejection(apply())
    assert.equal(error.problem.kind, 'deferred-foreign-keys')
    if (error.problem.kind === 'deferred-foreign-keys') {
      assert.equal(error.problem.files.length, 2)
      assert.match(error.problem.violations[0], /^c row 1 references a missing row in p$/)
    }
    assert.deepEqual(applicationTableNames(db), [])
    assert.deepEqual(recordedNames(db), [])
  })

  it('refuses a migration that drops or edits the migrations table, and keeps the history', async () => {
    folder.sql('001_a', 'CREATE TABLE a (id INTEGER)')
    await apply()
    folder.sql('002_wipe', 'DROP TABLE migrations; CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)')
    const wiped = await rejection(apply())
    assert.match(wiped.message, /changed the migrations table or its lease table/)
    folder.js('002_wipe', `exports.up = (db) => { db.exec("UPDATE migrations SET checksum = 'x'") }`)
    assert.match((await rejection(apply())).message, /changed the migrations table/)
    assert.deepEqual(recordedNames(db), ['001_a.ts'])
  })

  it('refuses a table of another tool under the configured name, changing nothing', async () => {
    db.exec('CREATE TABLE knex_migrations (id INTEGER PRIMARY KEY, name TEXT, batch INTEGER, migration_time TEXT)')
    folder.sql('001_a', 'CREATE TABLE a (id INTEGER)')
    db.close()
    const before = dumpDatabase(folder.dbPath)
    db = folder.open()
    const error = await rejection(applyMigrations(db, folder.list(), { table: 'knex_migrations' }))
    assert.deepEqual(error.problem, {
      kind: 'ledger-table-mismatch',
      table: 'knex_migrations',
      columns: ['id', 'name', 'batch', 'migration_time'],
    })
    db.close()
    assert.equal(dumpDatabase(folder.dbPath), before)
  })

  it('puts back connection settings a non-transactional migration changed', async () => {
    folder
      .js(
        '001_off',
        `exports.transaction = false\nexports.up = (db) => { db.pragma('foreign_keys = OFF'); db.pragma('recursive_triggers = ON') }`,
      )
      .js(
        '002_check',
        `exports.up = (db) => { db.exec('CREATE TABLE seen (fk INTEGER, rt INTEGER)'); db.prepare('INSERT INTO seen VALUES (?, ?)').run(db.pragma('foreign_keys', { simple: true }), db.pragma('recursive_triggers', { simple: true })) }`,
      )
    await apply()
    assert.deepEqual(db.prepare('SELECT fk, rt FROM seen').get(), { fk: 1, rt: 0 })
  })

  describe('a parent table dropped with foreign keys on', () => {
    beforeEach(() => {
      folder.sql(
        '001_tables',
        `CREATE TABLE monitor (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE heartbeat (id INTEGER PRIMARY KEY, monitor_id INTEGER REFERENCES monitor(id) ON DELETE CASCADE);
         CREATE TABLE tag (id INTEGER PRIMARY KEY, monitor_id INTEGER REFERENCES "monitor"(id) ON DELETE SET NULL)`,
      )
    })
    const rebuild = `CREATE TABLE monitor_new (id INTEGER PRIMARY KEY, name TEXT, active INTEGER DEFAULT 1);
      INSERT INTO monitor_new (id, name) SELECT id, name FROM monitor; DROP TABLE "monitor"; ALTER TABLE monitor_new RENAME TO monitor`

    it('refuses the rebuild instead of cascade-deleting the children, and changes nothing', async () => {
      await apply()
      db.exec("INSERT INTO monitor VALUES (1, 'site'); INSERT INTO heartbeat VALUES (1, 1), (2, 1); INSERT INTO tag VALUES (1, 1)")
      folder.sql('002_rebuild', rebuild)
      const error = await rejection(apply())
      assert.match(
        error.message,
        /DROP TABLE monitor would delete the rows of heartbeat \(ON DELETE CASCADE\) and change the rows of tag \(ON DELETE SET NULL\).*export `const foreignKeys = false`/,
      )
      assert.equal(count('heartbeat'), 2)
      assert.deepEqual(db.prepare('SELECT monitor_id FROM tag').pluck().all(), [1])
    })

    it('lets the same rebuild through when the children are empty, and with foreignKeys = false keeps every row', async () => {
      folder.sql('002_rebuild', rebuild)
      await apply()
      db.exec("INSERT INTO monitor (id, name) VALUES (1, 'site'); INSERT INTO heartbeat VALUES (1, 1)")
      folder.js(
        '003_rebuild_again',
        `exports.foreignKeys = false\nexports.up = (db) => { db.exec(${JSON.stringify(rebuild.replace(/monitor_new/g, 'monitor_next'))}) }`,
      )
      await apply()
      assert.equal(count('heartbeat'), 1)
    })
  })

  describe('foreignKeys = false checks', () => {
    it('sees a new violation in a WITHOUT ROWID table although an old one exists', async () => {
      db.pragma('foreign_keys = OFF')
      db.exec(`CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (k TEXT PRIMARY KEY, p INTEGER REFERENCES p(id)) WITHOUT ROWID;
               INSERT INTO c VALUES ('old', 1)`)
      db.pragma('foreign_keys = ON')
      folder.sql('001_baseline_marker', 'SELECT 1')
      await applyMigrations(db, folder.list(), { baseline: '001_baseline_marker' })
      folder.js('002_new_orphan', `exports.foreignKeys = false\nexports.up = (db) => { db.exec("INSERT INTO c VALUES ('new', 2)") }`)
      const error = await rejection(apply())
      assert.match(error.message, /1 foreign key violation\(s\).*c row \(without rowid\) references a missing row in p/)
      assert.equal(count('c'), 1)
    })

    it('sees a reference to a table that no longer exists, even with empty tables', async () => {
      folder
        .sql('001_tables', 'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id))')
        .js('002_drop_parent', `exports.foreignKeys = false\nexports.up = (db) => { db.exec('DROP TABLE p') }`)
      const error = await rejection(apply())
      assert.match(error.message, /c references table p, which does not exist/)
      assert.deepEqual(applicationTableNames(db), ['c', 'p'])
    })
  })

  it('never runs a compiled file without a source when the manifest is gone (a COPY *.js that dropped dotfiles)', async () => {
    folder.sql('001_a', 'CREATE TABLE a (id INTEGER)')
    await apply()
    folder.js('002_ghost', `exports.up = (db) => { db.exec('DROP TABLE a') }`)
    rmSync(join(folder.sourceDir, '002_ghost.ts'))
    rmSync(join(folder.distDir, MANIFEST_FILE), { force: true })
    assert.throws(() => folder.list(), /002_ghost\.js has no source/)
    assert.deepEqual(applicationTableNames(db), ['a'])
  })

  it('refuses two sources whose names are equal after Unicode normalisation', async () => {
    folder.sql('001_caf\u00e9', 'SELECT 1').sql('001_cafe\u0301', 'SELECT 2')
    assert.throws(
      () => folder.list(),
      (e: Error) => e.message.includes('differ only by case'),
    )
  })

  it('resolves relative folders against the working directory, and a module that cannot be loaded names its file', async () => {
    folder.sql('001_a', 'CREATE TABLE a (id INTEGER)').sql('002_b', 'CREATE TABLE b (id INTEGER)')
    const cwd = process.cwd()
    try {
      process.chdir(folder.dir)
      const available = listCompiledMigrations({ sourceDir: 'migrations', distDir: 'migrations/dist' })
      rmSync(join(folder.distDir, '002_b.js'))
      const error = await rejection(applyMigrations(db, available))
      assert.equal(error.problem.kind, 'module-load-failed')
      assert.match(error.message, /^Migration migrations\/002_b\.ts threw while loading: Cannot find module/)
      await applyMigrations(db, listCompiledMigrations({ sourceDir: 'migrations', distDir: 'migrations/dist' }))
    } finally {
      process.chdir(cwd)
    }
    assert.deepEqual(applicationTableNames(db), ['a'])
  })

  it('describes any thrown value: a Symbol, a null-prototype object, a circular object', async () => {
    assert.equal(describeThrown(Symbol('boom')), 'non-Error value thrown: Symbol(boom)')
    assert.equal(describeThrown(Object.assign(Object.create(null), { a: 1 })), 'non-Error value thrown: {"a":1}')
    const circular: Record<string, unknown> = {}
    circular.self = circular
    assert.equal(describeThrown(circular), 'non-Error value thrown: [object Object]')
  })
})

describe('safety: one clear line', () => {
  let folder: CompiledFolder
  let db: Database
  beforeEach(() => {
    folder = new CompiledFolder()
    db = folder.open(300)
  })
  afterEach(() => {
    if (db.open) db.close()
    folder.remove()
  })

  it('a second connection written from up: blames that connection and says the migration before it stays applied', async () => {
    folder
      .sql('001_a', 'CREATE TABLE a (id INTEGER)')
      .js(
        '002_second_connection',
        `exports.up = () => { const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const other = new D(${JSON.stringify(folder.dbPath)}, { timeout: 100 }); try { other.exec('CREATE TABLE b (id INTEGER)') } finally { other.close() } }`,
      )
    const error = await rejection(applyMigrations(db, folder.list(), { busyTimeoutMs: 300, transactionMode: 'each' }))
    assert.match(error.message, /002_second_connection\.ts failed: database is locked: it wrote through a second connection/)
    assert.match(error.message, /1 migration\(s\) before it stay applied/)
    assert.doesNotMatch(error.message, /nothing was changed/)
    assert.deepEqual(recordedNames(db), ['001_a.ts'])
  })
})
