/**
 * schema.sql from the gulp tasks, run in-process: never replacing a file the tool did not write, written only for
 * the gulpfile's database, and brought up to date by `gulp migrate` when `migrate:check` finds it stale.
 */
import { strict as assert } from 'node:assert'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createContext } from '../../tasks/gulp/context'
import { openDatabase } from '../../tasks/io/database'
import { TestProject } from '../helpers/project'
import { runTask, taskError, taskOutput } from '../helpers/tasks'

describe('schema.sql from the gulp tasks', function () {
  this.timeout(60_000)
  let base: TestProject
  let project: TestProject
  before(async () => {
    base = new TestProject('schema-file')
    base.migration('001_users.ts', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 'DROP TABLE users')
    base.migration('002_posts.ts', 'CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE posts')
    await taskOutput(base, 'migrate:build')
  })
  after(() => base.remove())
  beforeEach(() => {
    project = base.clone('schema-file')
  })
  afterEach(() => project.remove())
  const file = () => join(project.migrationsDir, 'schema.sql')
  const options = () => ({ schemaFile: file() })
  const schema = () => readFileSync(file(), 'utf8')

  it('never replaces a schema.sql it did not write: migrate commits and warns, naming the file and the option', async () => {
    const handWritten = '-- The schema, by hand\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n'
    writeFileSync(file(), handWritten)
    const first = await runTask(project, 'migrate', [], options())
    assert.equal(first.error, undefined, first.output)
    assert.deepEqual(project.recorded(), ['001_users.ts', '002_posts.ts'])
    const sentence =
      /schema-file-[^ ]*\/migrations\/schema\.sql was not written by gulp-sqlite-migrate \(it has no generated header\), so it was left as it is\. Move or rename that file, or point the schemaFile option of the gulpfile at another path/
    assert.match(first.output, sentence)
    const again = await runTask(project, 'migrate', [], options())
    assert.equal(again.error, undefined)
    assert.match(again.output, sentence)
    assert.equal(schema(), handWritten)
    const check = await runTask(project, 'migrate:check', [], options())
    assert.equal(check.error, undefined, 'a file the tool did not write is not called stale')
    assert.match(check.output, sentence, 'but check says it was not compared')
  })

  it('migrate:check compares schema.sql with the gulpfile database only: another one given with --db is not judged by it', async () => {
    await taskOutput(project, 'migrate', [], options())
    const other = join(project.dir, 'data', 'other.sqlite3')
    await taskOutput(project, 'migrate', [`--db=${other}`], options())
    const db = openDatabase(other)
    db.exec('CREATE TABLE extra (id INTEGER)')
    db.close()
    const check = await runTask(project, 'migrate:check', [`--db=${other}`], options())
    assert.equal(check.error, undefined, check.output)
    assert.match((await taskError(project, 'migrate:check', [], { schemaFile: join(project.dir, 'nowhere.sql') })).message, /exit code 15/)
  })

  it('is written for the gulpfile database only, not for one given with --db', async () => {
    const other = join(project.dir, 'data', 'other.sqlite3')
    await taskOutput(project, 'migrate', [`--db=${other}`], options())
    assert.ok(!existsSync(file()))
    await taskOutput(project, 'migrate', [], options())
    const written = schema()
    assert.match(written, /Last applied migration: 002_posts/)
    await taskOutput(project, 'migrate:down', [`--db=${other}`, '--all'], options())
    assert.equal(schema(), written)
  })

  it('is not written for a database given with DATABASE_PATH', async () => {
    const saved = process.env.DATABASE_PATH
    const dump = (env: string | undefined) => {
      if (env === undefined) delete process.env.DATABASE_PATH
      else process.env.DATABASE_PATH = env
      const ctx = createContext('migrate', { migrationsDir: project.migrationsDir, database: project.dbPath, ...options() }, [])
      const db = openDatabase(ctx.databasePath, { busyTimeoutMs: 1000 })
      try {
        ctx.dumpSchema(db, true)
      } finally {
        db.close()
      }
    }
    try {
      dump(join(project.dir, 'data', 'production.sqlite3'))
      assert.ok(!existsSync(file()))
      dump(undefined)
      assert.ok(existsSync(file()))
    } finally {
      if (saved === undefined) delete process.env.DATABASE_PATH
      else process.env.DATABASE_PATH = saved
    }
  })

  it('when migrate:check finds it stale, gulp migrate with nothing pending rewrites it and says so', async () => {
    await taskOutput(project, 'migrate', [], options())
    const written = schema()
    writeFileSync(file(), written.replace('CREATE TABLE posts', 'CREATE TABLE labels'))
    const stale = await taskError(project, 'migrate:check', [], options())
    assert.match(stale.message, /schema\.sql does not match the database/)
    const output = await taskOutput(project, 'migrate', [], options())
    assert.match(output, /Rewrote [^ ]*\/migrations\/schema\.sql: it did not match the database/)
    assert.equal(schema(), written)
    assert.doesNotMatch(await taskOutput(project, 'migrate', [], options()), /Rewrote/, 'an up-to-date file is left alone, silently')
    await taskOutput(project, 'migrate:check', [], options())
  })
})
