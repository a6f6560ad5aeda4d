/** The runner on real SQLite files: transactions, savepoints, foreign keys, SQL guard, leases. */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import type { Database } from 'better-sqlite3'
import { applyMigrations, MigrationRunError, type RunOptions } from '../../tasks/index'
import { formatIdentity, ownIdentity } from '../../tasks/io/process-identity'
import { CompiledFolder, applicationTableNames, recordedNames, rejection } from '../helpers/compiled'

describe('runner', () => {
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

  const apply = (options: RunOptions = {}) => applyMigrations(db, folder.list(), options)
  const recorded = () => recordedNames(db)
  const tables = () => applicationTableNames(db)

  describe('transaction modes', () => {
    beforeEach(() => {
      folder
        .sql('001_a', 'CREATE TABLE a (id INTEGER)')
        .js('002_fails', `exports.up = (db) => { db.exec('CREATE TABLE fails (id INTEGER)'); throw new Error('no') }`)
        .sql('003_c', 'CREATE TABLE c (id INTEGER)')
    })

    it('batch (default): keeps what succeeded before the failure, rolls back the failure, skips the rest', async () => {
      const error = await rejection(apply())
      assert.ok(error instanceof MigrationRunError)
      assert.deepEqual(
        error.results.map((r) => [r.id, r.outcome]),
        [
          ['001_a', 'applied'],
          ['002_fails', 'failed'],
          ['003_c', 'not-run'],
        ],
      )
      assert.deepEqual(recorded(), ['001_a.ts'])
      assert.deepEqual(tables(), ['a'])
    })

    it('each: the same outcome, one commit per migration', async () => {
      await rejection(apply({ transactionMode: 'each' }))
      assert.deepEqual(recorded(), ['001_a.ts'])
      assert.deepEqual(tables(), ['a'])
    })

    it('atomic: all pending migrations or none', async () => {
      const error = await rejection(apply({ transactionMode: 'atomic' }))
      assert.match(error.message, /the 1 migration\(s\) before it in the same transaction were undone too/)
      assert.deepEqual(recorded(), [])
      assert.deepEqual(tables(), [])
    })
  })

  it('returns a result per migration and applies nothing on the second run', async () => {
    folder
      .sql('001_a', 'CREATE TABLE a (id INTEGER)')
      .js('002_slow', 'exports.up = () => { const end = Date.now() + 30; while (Date.now() < end) {} }')
    const first = await apply()
    assert.deepEqual(
      first.results.map((r) => [r.id, r.direction, r.outcome]),
      [
        ['001_a', 'up', 'applied'],
        ['002_slow', 'up', 'applied'],
      ],
    )
    const slow = first.results[1].durationMs
    assert.ok(slow >= 25 && slow < 5000, `the duration is measured around up (${slow} ms)`)
    const recordedMs = db.prepare(`SELECT duration_ms FROM migrations WHERE name = '002_slow.ts'`).pluck().get() as number
    assert.ok(Math.abs(recordedMs - slow) <= 5, 'and recorded as measured')
    const second = await apply()
    assert.deepEqual(second.results, [])
  })

  it('awaits async migrations inside the transaction', async () => {
    folder.js(
      '001_async',
      `exports.up = async (db) => { await new Promise((r) => setTimeout(r, 20)); db.exec('CREATE TABLE late (id INTEGER)') }`,
    )
    await apply()
    assert.deepEqual(tables(), ['late'])
  })

  for (const [label, thrown, expected] of [
    ['a string', `'plain string'`, /failed: plain string/],
    ['an object', `{ code: 42 }`, /failed: non-Error value thrown: \{"code":42\}/],
    ['undefined', `undefined`, /failed: non-Error value thrown: undefined/],
  ] as const) {
    it(`reports ${label} thrown by up`, async () => {
      folder.js('001_throws', `exports.up = (db) => { db.exec('CREATE TABLE t (id INTEGER)'); throw ${thrown} }`)
      const error = await rejection(apply())
      assert.match(error.message, expected)
      assert.deepEqual(tables(), [])
    })
  }

  describe('SQL that breaks transactions', () => {
    for (const sql of ['BEGIN; CREATE TABLE x (id INTEGER); COMMIT', 'COMMIT', 'ROLLBACK', 'END TRANSACTION']) {
      it(`refuses ${sql} with a clear message`, async () => {
        folder.sql('001_manual', sql)
        const error = await rejection(apply())
        assert.match(error.message, /runs its own BEGIN\/COMMIT\/ROLLBACK.*export `const transaction = false`/)
        assert.deepEqual(recorded(), [])
        assert.deepEqual(tables(), [])
      })
    }

    it('refuses PRAGMA foreign_keys inside a transaction, in exec and in db.pragma', async () => {
      folder.sql('001_fk', 'PRAGMA foreign_keys = OFF')
      assert.match(
        (await rejection(apply())).message,
        /PRAGMA foreign_keys has no effect inside a transaction.*export `const foreignKeys = false`/,
      )
      folder.js('001_fk', `exports.up = (db) => { db.pragma('foreign_keys = OFF') }`)
      assert.match((await rejection(apply())).message, /PRAGMA foreign_keys has no effect inside a transaction/)
    })

    it('refuses VACUUM in a transactional migration and runs it with transaction = false', async () => {
      folder.sql('001_vacuum', 'VACUUM')
      assert.match((await rejection(apply())).message, /"VACUUM" cannot run inside a transaction/)
      folder.sql('001_vacuum', 'VACUUM', 'exports.transaction = false')
      await apply()
      assert.deepEqual(recorded(), ['001_vacuum.ts'])
    })

    it('lets db.transaction() and trigger bodies through (they nest as savepoints / are not transaction control)', async () => {
      folder.js(
        '001_nested',
        `exports.up = (db) => {
          db.exec('CREATE TABLE t (id INTEGER); CREATE TABLE log (n INTEGER); CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (CASE WHEN new.id > 0 THEN 1 ELSE 0 END); END;')
          db.transaction(() => db.prepare('INSERT INTO t VALUES (1)').run())()
        }`,
      )
      await apply()
      assert.equal(db.prepare('SELECT count(*) FROM log').pluck().get(), 1)
    })
  })

  describe('foreignKeys = false', () => {
    const schema = `
      CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
      CREATE INDEX parent_name ON parent (name);
      CREATE TABLE audit (what TEXT);
      CREATE TRIGGER parent_ai AFTER INSERT ON parent BEGIN INSERT INTO audit VALUES ('insert ' || new.name); END;
      CREATE VIEW parent_names AS SELECT name FROM parent;
      INSERT INTO parent VALUES (1, 'one'), (2, 'two');
      INSERT INTO child VALUES (10, 1), (11, 1), (20, 2);
    `
    // The 12-step rebuild of https://www.sqlite.org/lang_altertable.html, adding a NOT NULL column with a default.
    const rebuild = `
      DROP VIEW parent_names;
      CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'plain');
      INSERT INTO new_parent (id, name) SELECT id, name FROM parent;
      DROP TABLE parent;
      ALTER TABLE new_parent RENAME TO parent;
      CREATE INDEX parent_name ON parent (name);
      CREATE TRIGGER parent_ai AFTER INSERT ON parent BEGIN INSERT INTO audit VALUES ('insert ' || new.name); END;
      CREATE VIEW parent_names AS SELECT name FROM parent;
    `

    it('rebuilds a parent table without cascading into its children; index, trigger and view survive', async () => {
      folder.sql('001_schema', schema).sql('002_rebuild_parent', rebuild, 'exports.foreignKeys = false')
      await apply()
      assert.deepEqual(db.prepare('SELECT id, parent_id FROM child ORDER BY id').raw().all(), [
        [10, 1],
        [11, 1],
        [20, 2],
      ])
      assert.deepEqual(
        db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') ORDER BY name`).pluck().all(),
        ['parent_ai', 'parent_name', 'parent_names'],
      )
      assert.deepEqual(db.prepare('SELECT name FROM parent_names ORDER BY name').pluck().all(), ['one', 'two'])
      assert.deepEqual(db.prepare('SELECT kind FROM parent').pluck().all(), ['plain', 'plain'])
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are back on')
      assert.deepEqual(db.pragma('foreign_key_check'), [])
    })

    it('without foreignKeys = false the same rebuild would cascade: the guard stops the usual PRAGMA attempt', async () => {
      folder.sql('001_schema', schema).sql('002_rebuild_parent', `PRAGMA foreign_keys = OFF; ${rebuild}`)
      const error = await rejection(apply())
      assert.match(error.message, /002_rebuild_parent.*PRAGMA foreign_keys has no effect/)
      assert.equal(db.prepare('SELECT count(*) FROM child').pluck().get(), 3, 'children untouched')
    })

    it('rolls back a migration that leaves new foreign key violations, and restores the setting', async () => {
      folder.sql('001_schema', schema).sql('002_orphans', 'DELETE FROM parent WHERE id = 2', 'exports.foreignKeys = false')
      const error = await rejection(apply())
      assert.match(error.message, /002_orphans.*1 foreign key violation\(s\).*child row 20 references a missing row in parent/)
      assert.equal(db.prepare('SELECT count(*) FROM parent').pluck().get(), 2)
      assert.deepEqual(recorded(), ['001_schema.ts'])
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys restored after a failure')
    })

    it('ignores violations that were there before the migration', async () => {
      folder
        .sql('001_schema', `${schema}; PRAGMA foreign_keys = OFF;`, 'exports.transaction = false')
        .js(
          '002_bad_row',
          `exports.transaction = false; exports.up = (db) => { db.pragma('foreign_keys = OFF'); db.exec('INSERT INTO child VALUES (99, 42)'); db.pragma('foreign_keys = ON') }`,
        )
        .sql('003_rename', 'ALTER TABLE audit RENAME TO audit_log', 'exports.foreignKeys = false')
      await apply()
      assert.deepEqual(recorded(), ['001_schema.ts', '002_bad_row.ts', '003_rename.ts'])
    })
  })

  describe('transaction = false', () => {
    it('runs outside a transaction and records the migration after it succeeds', async () => {
      folder.js('001_wal', `exports.transaction = false; exports.up = (db) => { db.pragma('journal_mode = WAL') }`)
      await apply()
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
      assert.deepEqual(recorded(), ['001_wal.ts'])
      assert.equal(db.prepare('SELECT count(*) FROM migrations_lock').pluck().get(), 0, 'the lease is released')
    })

    it('releases the lease when it fails and says that changes may remain', async () => {
      folder.js(
        '001_half',
        `exports.transaction = false; exports.up = (db) => { db.exec('CREATE TABLE half (id INTEGER)'); throw new Error('stopped') }`,
      )
      const error = await rejection(apply())
      assert.match(error.message, /ran outside a transaction, so statements before the failure may have stayed applied/)
      assert.deepEqual(recorded(), [])
      assert.equal(db.prepare('SELECT count(*) FROM migrations_lock').pluck().get(), 0)
    })
  })

  describe('lease', () => {
    /** A lease as another runner writes it; `identity` as a process on this machine would record it (or another scope). */
    const takeLease = (pid: number, host: string, expiresAt = new Date(Date.now() + 60_000), identity = formatIdentity(ownIdentity())) =>
      db
        .prepare(
          `INSERT INTO migrations_lock (id, owner, pid, host, migration, acquired_at, expires_at, identity) VALUES (1, 'someone-else', ?, ?, '001_long', ?, ?, ?)`,
        )
        .run(pid, host, new Date().toISOString(), expiresAt.toISOString(), identity)

    beforeEach(async () => {
      folder.sql('000_setup', 'CREATE TABLE setup (id INTEGER)')
      await apply() // creates the tables
      folder.sql('001_long', 'CREATE TABLE long (id INTEGER)')
    })

    it('waits for a live holder within the busy timeout, then says who holds it', async () => {
      takeLease(process.pid, (await import('node:os')).hostname())
      const started = Date.now()
      const error = await rejection(apply({ busyTimeoutMs: 300 }))
      assert.ok(Date.now() - started >= 300)
      assert.equal(error.problem.kind, 'lease-held')
      if (error.problem.kind === 'lease-held') {
        assert.match(error.problem.holder, new RegExp(`^migration 001_long in process ${process.pid} on `))
        assert.equal(error.problem.busyTimeoutMs, 300)
      }
      assert.match(error.message, /raise `busyTimeoutMs: "MS"`/, 'the API names its option, not a flag')
      assert.deepEqual(tables(), ['setup'])
    })

    it('breaks the lease of a holder that died on this host and finishes the job', async () => {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      takeLease(Number(dead.stdout), (await import('node:os')).hostname())
      const events: string[] = []
      await apply({ onEvent: (e) => events.push(e.type === 'lease-broken' ? e.reason : e.type) })
      assert.ok(
        events.some((e) => /Broke the lease of migration 001_long .*that process is gone/.test(e)),
        events.join('\n'),
      )
      assert.deepEqual(tables(), ['long', 'setup'])
    })

    it('never judges a holder in another container by its pid, even under the same host name', async () => {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      const os = await import('node:os')
      takeLease(Number(dead.stdout), os.hostname(), undefined, 'another-boot/pid:[4026531836] 12345')
      const error = await rejection(apply({ busyTimeoutMs: 200 }))
      assert.equal(error.problem.kind, 'lease-held', 'its live lease is respected')
      assert.deepEqual(tables(), ['setup'])
    })

    it('judges a reused pid by its start time: a new process with the holder pid does not keep the lease alive', async () => {
      const mine = ownIdentity()
      if (!mine) return
      takeLease(process.pid, 'vm', undefined, `${mine.scope} 1`) // this pid, but a process that started at tick 1
      await apply()
      assert.deepEqual(tables(), ['long', 'setup'])
    })

    it('breaks an expired lease of another host', async () => {
      takeLease(1, 'another-host', new Date(Date.now() - 1000))
      await apply()
      assert.deepEqual(tables(), ['long', 'setup'])
    })
  })
})
