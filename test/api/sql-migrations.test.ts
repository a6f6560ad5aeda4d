/** `.sql` migrations in the same history as `.ts` ones: compiled, applied, recorded, rolled back, on real SQLite files. */
import { strict as assert } from 'node:assert'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { applyMigrations, rollbackMigrations } from '../../tasks/api'
import { compileMigrations } from '../../tasks/io/compile'
import { openDatabase } from '../../tasks/io/database'
import { listCompiledMigrations } from '../../tasks/io/migration-files'
import { MigrationRunError } from '../../tasks/run-log'
import { CompiledFolder, applicationTableNames, recordedNames, rejection } from '../helpers/compiled'
import { REPO } from '../helpers/project'

const PARENT_AND_CHILD = `-- A history's first patch, as written for sqlite3's shell.
BEGIN TRANSACTION;
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
INSERT INTO parent VALUES (1, 'one'), (2, NULL);
INSERT INTO child VALUES (10, 1), (20, 2);
COMMIT;
`

// SQLite's 12-step rebuild, the way real patches write it: foreign keys off outside the transaction.
const REBUILD_PARENT = `PRAGMA foreign_keys = OFF;
BEGIN TRANSACTION;
CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
INSERT INTO parent_new (id, name) SELECT id, coalesce(name, '') FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
COMMIT;
PRAGMA foreign_keys = ON;
`

const TAGS = `-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
--> statement-breakpoint
CREATE INDEX tags_label ON tags (label);

-- migrate:down
DROP TABLE tags;
`

describe('api: .sql migrations', function () {
  this.timeout(30_000)
  let dir: string
  let db: Database
  let n = 0
  const folders = () => ({ sourceDir: join(dir, 'migrations'), distDir: join(dir, 'migrations', 'dist') })
  const write = (name: string, text: string) => writeFileSync(join(folders().sourceDir, name), text)
  const compile = () => compileMigrations(folders())
  const apply = async () => {
    await compile()
    return applyMigrations(db, listCompiledMigrations(folders()))
  }
  beforeEach(() => {
    dir = join(REPO, '.test-tmp', `sql-${process.pid}-${++n}`)
    mkdirSync(folders().sourceDir, { recursive: true })
    db = openDatabase(join(dir, 'app.sqlite3'))
  })
  afterEach(() => {
    if (db.open) db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('applies a SQL-only history whose wrappers and PRAGMA foreign_keys pair are translated: cascade children keep their rows', async () => {
    write('001_parent_and_child.sql', PARENT_AND_CHILD)
    write('002_rebuild_parent.sql', REBUILD_PARENT)
    write('003_tags.sql', TAGS)
    const compiled = await compile()
    assert.deepEqual(
      compiled.notes.map((n) => `${n.file.split('/').at(-1)}: ${n.note.split(':')[0]}`),
      [
        "001_parent_and_child.sql: its BEGIN … COMMIT is replaced by the runner's transaction",
        "002_rebuild_parent.sql: its BEGIN … COMMIT is replaced by the runner's transaction",
        '002_rebuild_parent.sql: its PRAGMA foreign_keys = OFF makes it a foreignKeys = false migration',
      ],
    )
    const { results } = await applyMigrations(db, listCompiledMigrations(folders()))
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['applied', 'applied', 'applied'],
    )
    assert.deepEqual(db.prepare('SELECT id, parent_id FROM child ORDER BY id').raw().all(), [
      [10, 1],
      [20, 2],
    ])
    assert.deepEqual(db.prepare('SELECT name FROM parent ORDER BY id').pluck().all(), ['one', ''])
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again')
    assert.deepEqual(recordedNames(db), ['001_parent_and_child.sql', '002_rebuild_parent.sql', '003_tags.sql'])
    assert.deepEqual(db.prepare('SELECT count(*) FROM migrations WHERE length(checksum) = 64').pluck().get(), 3)

    // A second compile changes nothing and says nothing: the notes are said once, when the file is compiled.
    assert.deepEqual([(await compile()).compiled, (await compile()).notes], [[], []])

    await rollbackMigrations(db, listCompiledMigrations(folders()), { step: 1 })
    assert.deepEqual(applicationTableNames(db), ['child', 'parent'])
    const noDown = await rejection(rollbackMigrations(db, listCompiledMigrations(folders()), { step: 1 }))
    assert.equal(noDown.problem.kind, 'cannot-roll-back')
    assert.match(noDown.message, /002_rebuild_parent/)
  })

  it('reports every problem of every SQL file in one run, with file and line, and compiles and applies nothing', async () => {
    write('001_ok.sql', 'CREATE TABLE a (x);\n')
    write('002_data.sql', 'BEGIN;\nINSERT INTO a VALUES (1);\nCOMMIT;\nVACUUM;\n')
    write('003_more.sql', 'SELECT 1;\n-- migrate:up\nCREATE TABLE b (x);\nCOMMIT;\n')
    const error = await rejection(compile())
    assert.equal(error.problem.kind, 'compile-failed')
    const lines = error.message.split('\n')
    assert.match(lines[0], /^Found 3 error\(s\) in the migrations; nothing was compiled or applied:$/)
    assert.match(
      lines[1],
      /migrations\/002_data\.sql:4:1 - error SQL: "VACUUM" cannot run inside a transaction; move it to a migration of its own/,
    )
    assert.match(lines[2], /migrations\/003_more\.sql:1:1 - error SQL: a statement before the first -- migrate: marker/)
    assert.match(lines[3], /migrations\/003_more\.sql:4:1 - error SQL: COMMIT without a BEGIN before it/)
    assert.equal(existsSync(folders().distDir) && readdirSync(folders().distDir).some((f) => f.endsWith('.js')), false)
    assert.deepEqual(applicationTableNames(db), [])
  })

  it('reports in the same run what the guard would refuse in TypeScript migrations, with their type errors', async () => {
    write('001_wrapped.sql', 'BEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nVACUUM;\n')
    write(
      '002_begin.ts',
      "export const up = (db: { exec(sql: string): void }) => {\n  db.exec('BEGIN')\n  db.exec('CREATE TABLE b (x)')\n}\n",
    )
    write('003_typo.ts', "export const up = (db: { exec(sql: string): void }) => {\n  const n: number = 'x'\n  db.exec('COMMIT')\n}\n")
    const error = await rejection(compile())
    const lines = error.message.split('\n').slice(1)
    assert.equal(lines.length, 4, error.message)
    assert.match(error.message, /001_wrapped\.sql:4:1 - error SQL: "VACUUM"/)
    assert.match(error.message, /002_begin\.ts:2:5 - error SQL: the migration runs its own BEGIN\/COMMIT\/ROLLBACK/)
    assert.match(error.message, /003_typo\.ts:2:9 - error TS2322/)
    assert.match(error.message, /003_typo\.ts:3:5 - error SQL: the migration runs its own BEGIN/)
    assert.equal(existsSync(join(folders().distDir, '002_begin.js')), false)
  })

  it('a failing statement names its file and line; the migration and its record roll back, the ones before stay', async () => {
    write('001_a.sql', 'CREATE TABLE a (x);\n')
    write('002_b.sql', '-- migrate:up\nCREATE TABLE b (x);\n\nINSERT INTO missing VALUES (1);\n-- migrate:down\nDROP TABLE b;\n')
    await compile()
    const error = await applyMigrations(db, listCompiledMigrations(folders())).then(
      () => assert.fail('applied'),
      (e: unknown) => e as MigrationRunError,
    )
    assert.ok(error instanceof MigrationRunError)
    assert.match(error.message, /002_b.*no such table: missing \(002_b\.sql, line 4\)/)
    assert.deepEqual([recordedNames(db), applicationTableNames(db)], [['001_a.sql'], ['a']])
  })

  it('an edited .sql migration that was applied is drift, like an edited .ts one', async () => {
    write('001_a.sql', 'CREATE TABLE a (x);\n')
    await apply()
    write('001_a.sql', 'CREATE TABLE a (x, y);\n')
    const error = await rejection(apply())
    assert.equal(error.problem.kind, 'drift')
    assert.match(error.message, /001_a/)
  })

  it('puts the connection settings a migration changed back before the next one (PRAGMA legacy_alter_table)', async () => {
    write('001_legacy.sql', 'PRAGMA legacy_alter_table = ON;\nCREATE TABLE z (id INTEGER);\n')
    write('002_rename.sql', 'CREATE TABLE q (id INTEGER);\nCREATE VIEW v AS SELECT id FROM q;\nALTER TABLE q RENAME TO q2;\n')
    await apply()
    // With legacy_alter_table left on, the view would still read from q, which no longer exists.
    assert.match(db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'v'`).pluck().get() as string, /"q2"/)
    assert.deepEqual(db.prepare('SELECT * FROM v').all(), [])
    assert.equal(db.pragma('legacy_alter_table', { simple: true }), 0)
  })

  it('a non-transactional file that fails inside its own BEGIN is rolled back and reported with its own error and line', async () => {
    write('001_a.sql', 'CREATE TABLE a (x);\n')
    write(
      '002_outside.sql',
      '-- migrate:up transaction:false\nCREATE TABLE before_tx (x);\nBEGIN;\nCREATE TABLE inside (x);\nINSERT INTO nosuch VALUES (1);\nCOMMIT;\n',
    )
    await compile()
    const error = await applyMigrations(db, listCompiledMigrations(folders())).then(
      () => assert.fail('applied'),
      (e: unknown) => e as MigrationRunError,
    )
    assert.match(error.message, /no such table: nosuch \(002_outside\.sql, line 5\)/)
    assert.doesNotMatch(error.message, /cannot start a transaction/)
    assert.equal(db.inTransaction, false)
    // Outside a transaction, what ran before its BEGIN stays (as documented); its own transaction rolled back.
    assert.deepEqual([recordedNames(db), applicationTableNames(db)], [['001_a.sql'], ['a', 'before_tx']])
  })

  it('refuses a .sql file that is not UTF-8 text before anything runs, instead of storing its strings wrong', async () => {
    writeFileSync(
      join(folders().sourceDir, '001_latin1.sql'),
      Buffer.from("CREATE TABLE t (x);\nINSERT INTO t VALUES ('caf\xe9');\n", 'latin1'),
    )
    writeFileSync(
      join(folders().sourceDir, '002_utf16.sql'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('SELECT 1;', 'utf16le')]),
    )
    const error = await rejection(compile())
    assert.match(error.message, /001_latin1\.sql:1:1 - error SQL: the file is not UTF-8 text/)
    assert.match(error.message, /002_utf16\.sql:1:1 - error SQL: the file is UTF-16 text; save it as UTF-8/)
  })

  it('a .sql and a .ts migration with the same id are refused as duplicates', async () => {
    write('001_a.sql', 'CREATE TABLE a (x);\n')
    write('001_a.ts', 'export const up = () => {}\n')
    const error = await rejection(compile())
    assert.equal(error.problem.kind, 'duplicate-migration')
  })
})

describe('api: unsafe migrations (PRAGMA writable_schema)', () => {
  let folder: CompiledFolder
  let db: Database
  // What some real histories do to change a column's declared type without a rebuild.
  const EDIT = `db.exec("PRAGMA writable_schema = ON"); db.exec("UPDATE sqlite_master SET sql = replace(sql, 'x TEXT', 'x INTEGER') WHERE name = 'a'"); db.exec("PRAGMA writable_schema = OFF")`
  beforeEach(() => {
    folder = new CompiledFolder()
    folder.sql('001_a', 'CREATE TABLE a (x TEXT)')
    db = folder.open()
  })
  afterEach(() => {
    if (db.open) db.close()
    folder.remove()
  })
  const declaredType = () => db.prepare(`SELECT type FROM pragma_table_info('a')`).pluck().get()

  it('is refused before it runs, naming the opt-in', async () => {
    folder.js('002_edit', `exports.up = (db) => { ${EDIT} }\n`)
    const error = await applyMigrations(db, folder.list()).then(
      () => assert.fail('applied'),
      (e: unknown) => e as MigrationRunError,
    )
    assert.match(error.message, /PRAGMA writable_schema is refused.*export `const unsafe = true`/)
    assert.deepEqual([recordedNames(db), declaredType()], [['001_a.ts'], 'TEXT'])
  })

  it('runs with `unsafe = true`, and the connection is back in defensive mode afterwards', async () => {
    folder.js('002_edit', `exports.unsafe = true\nexports.up = (db) => { ${EDIT} }\n`)
    await applyMigrations(db, folder.list())
    db.close()
    db = folder.open() // sqlite_master is read again by a new connection
    assert.deepEqual([recordedNames(db), declaredType()], [['001_a.ts', '002_edit.ts'], 'INTEGER'])
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  })
})
