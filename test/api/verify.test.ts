/** migrate:verify's engine on real SQLite files: every pending migration verified, schemas compared by meaning. */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { applyMigrations } from '../../tasks/index'
import { verifyDownPaths, type VerifyReport } from '../../tasks/rehearse'
import { describeProblem } from '../../tasks/problem-messages'
import { CompiledFolder } from '../helpers/compiled'

/** A migration whose up and down each run SQL. */
const migration = (up: string, down?: string) =>
  `exports.up = (db) => { db.exec(${JSON.stringify(up)}) }\n` +
  (down === undefined ? '' : `exports.down = (db) => { db.exec(${JSON.stringify(down)}) }\n`)

const verdicts = (report: VerifyReport) => report.results.map((r) => `${r.ok ? 'ok' : r.withoutDown ? 'no down' : 'FAIL'} ${r.id}`)

describe('verify', () => {
  let folder: CompiledFolder
  beforeEach(() => {
    folder = new CompiledFolder()
  })
  afterEach(() => folder.remove())

  it('passes downs that rebuild a table with its constraints in another order, quoted and in another case', async () => {
    // As TypeORM writes it: quoted, lower-case types, named constraints; the down rebuilds the table by hand.
    const typeorm =
      'CREATE TABLE "posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "author_id" integer, "title" varchar(200) COLLATE NOCASE NOT NULL DEFAULT (\'untitled\'), ' +
      'CONSTRAINT "UQ_x" UNIQUE ("title"), CONSTRAINT "FK_y" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE, CONSTRAINT "CHK_z" CHECK (length("title") > 0))'
    const rebuilt =
      "CREATE TABLE posts (\n  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n  author_id INTEGER,\n  title VARCHAR(200) collate nocase not null default ('untitled'),\n" +
      '  CONSTRAINT CHK_z CHECK (LENGTH(title)>0),\n  CONSTRAINT FK_y FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE CASCADE,\n  CONSTRAINT UQ_x UNIQUE (title)\n)'
    const rebuild = (sql: string) =>
      `CREATE TABLE tmp AS SELECT * FROM posts; DROP TABLE posts; ${sql}; INSERT INTO posts (id, author_id, title) SELECT id, author_id, title FROM tmp; DROP TABLE tmp`
    folder
      .js(
        '001_users',
        migration('CREATE TABLE "users" ("id" integer PRIMARY KEY NOT NULL, "email" varchar NOT NULL)', 'DROP TABLE "users"'),
      )
      .js('002_posts', migration(typeorm, 'DROP TABLE posts'))
      .js('003_add_body', migration('ALTER TABLE "posts" ADD COLUMN "body" text', rebuild(rebuilt)))
      .js('004_index', migration('CREATE INDEX "IDX_title" ON "posts" ("title")', 'drop index idx_title'))
    const report = await verifyDownPaths(folder.dbPath, folder.list())
    assert.deepEqual(verdicts(report), ['ok 001_users', 'ok 002_posts', 'ok 003_add_body', 'ok 004_index'])
  })

  it('reports every broken down, at positions 2 and 5 of 6, with the migrations that pass', async () => {
    folder
      .js('001_a', migration('CREATE TABLE a (id INTEGER PRIMARY KEY, email TEXT NOT NULL)', 'DROP TABLE a'))
      .js('002_b', migration('CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) ON DELETE CASCADE)', 'DROP TABLE a'))
      .js('003_c', migration('CREATE TABLE c (id INTEGER)', 'DROP TABLE c'))
      .js('004_d', migration('CREATE INDEX idx_c ON c (id)', 'DROP INDEX idx_c'))
      .js(
        '005_e',
        migration(
          'ALTER TABLE a ADD COLUMN name TEXT',
          'CREATE TABLE t AS SELECT id, email FROM a; DROP TABLE a; CREATE TABLE a (id INTEGER PRIMARY KEY, email TEXT); DROP TABLE t',
        ),
      )
      .js('006_f', migration('CREATE TABLE f (id INTEGER)', 'DROP TABLE f'))
    const report = await verifyDownPaths(folder.dbPath, folder.list())
    assert.deepEqual(verdicts(report), ['ok 001_a', 'FAIL 002_b', 'ok 003_c', 'ok 004_d', 'FAIL 005_e', 'ok 006_f'])
    assert.deepEqual(report.results[1].problems, [
      'down did not restore the schema from before up (expected → after down):',
      '  table a: missing after down',
      '  table b: extra after down',
    ])
    assert.deepEqual(report.results[4].problems, [
      'down did not restore the schema from before up (expected → after down):',
      '  table a: column email: NOT NULL → nullable',
    ])
    assert.deepEqual(report.notVerified, [])
  })

  it('reports a migration without a down as such, never as one that does not roll back cleanly', async () => {
    folder
      .js('001_a', migration('CREATE TABLE a (id INTEGER)', 'DROP TABLE a'))
      .js('002_seed', migration('INSERT INTO a VALUES (1)'))
      .js('003_b', migration('CREATE TABLE b (id INTEGER)', 'DROP TABLE b'))
    const report = await verifyDownPaths(folder.dbPath, folder.list())
    assert.deepEqual(verdicts(report), ['ok 001_a', 'no down 002_seed', 'ok 003_b'])
    const message = describeProblem({ kind: 'verify-failed', ids: ['002_seed'], withoutDown: ['002_seed'] })
    assert.match(message, /^1 migration is without a down: 002_seed\./)
    assert.doesNotMatch(message, /roll back cleanly/)
  })

  it('reports a down that throws, and goes on with the next migration from a fresh copy', async () => {
    folder
      .js('001_a', migration('CREATE TABLE a (id INTEGER)', 'DROP TABLE a'))
      .js('002_b', migration('CREATE TABLE b (id INTEGER)', 'DROP TABLE no_such_table'))
      .js('003_c', migration('CREATE TABLE c (id INTEGER)', 'DROP TABLE c'))
    const report = await verifyDownPaths(folder.dbPath, folder.list())
    assert.deepEqual(verdicts(report), ['ok 001_a', 'FAIL 002_b', 'ok 003_c'])
    assert.match(report.results[1].problems[0], /^down failed: .*no such table: no_such_table/)
  })

  it('stops at an up that fails: the newer migrations are listed as not verified', async () => {
    folder
      .js('001_a', migration('CREATE TABLE a (id INTEGER)', 'DROP TABLE a'))
      .js('002_b', migration('CREATE TABLE a (id INTEGER)', 'DROP TABLE a'))
      .js('003_c', migration('CREATE TABLE c (id INTEGER)', 'DROP TABLE c'))
    const report = await verifyDownPaths(folder.dbPath, folder.list())
    assert.deepEqual(verdicts(report), ['ok 001_a', 'FAIL 002_b'])
    assert.match(report.results[1].problems[0], /^up failed: .*table a already exists/)
    assert.deepEqual(report.notVerified, ['003_c'])
  })

  it('verifies only what is pending, and only reads the real database', async () => {
    folder.js('001_a', migration('CREATE TABLE a (id INTEGER)')).js('002_b', migration('CREATE TABLE b (id INTEGER)', 'DROP TABLE a'))
    const db = folder.open()
    await applyMigrations(db, folder.list(), { to: '001_a' })
    db.close()
    const sha = () => createHash('sha256').update(readFileSync(folder.dbPath)).digest('hex')
    const before = sha()
    const report = await verifyDownPaths(folder.dbPath, folder.list())
    assert.deepEqual(verdicts(report), ['FAIL 002_b'])
    assert.equal(sha(), before)
  })
})
