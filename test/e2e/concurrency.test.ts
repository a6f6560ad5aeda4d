/** Several deploy jobs running `gulp migrate` on one database at once, and a writer that holds the lock. */
import { strict as assert } from 'node:assert'
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { TestProject, dumpDatabase } from '../helpers/project'

const RUNNERS = 8

function slowMigration(project: TestProject, file: string, table: string): void {
  // Awaits inside its transaction, so the runners really overlap.
  project.write(
    file,
    `import type { Migration } from 'gulp-sqlite-migrate'\n` +
      `export const up: Migration['up'] = async (db) => {\n` +
      `  db.exec('CREATE TABLE ${table} (id INTEGER PRIMARY KEY, pid INTEGER)')\n` +
      `  await new Promise((resolve) => setTimeout(resolve, 100))\n` +
      `  db.prepare('INSERT INTO ${table} (pid) VALUES (?)').run(process.pid)\n}\n`,
  )
}

describe('gulp migrate: concurrent runners', function () {
  this.timeout(180_000)
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('concurrency')
    slowMigration(project, '001_a.ts', 'a')
    slowMigration(project, '002_b.ts', 'b')
    slowMigration(project, '003_c.ts', 'c')
  })
  afterEach(() => project.remove())

  async function runTogether(args: string[]): Promise<void> {
    const runs = await Promise.all(Array.from({ length: RUNNERS }, () => project.gulp(args)))
    runs.forEach((run, i) => {
      assert.equal(run.code, 0, `runner ${i} failed:\n${run.output}`)
      assert.doesNotMatch(run.output, /database is locked/i)
    })
    assert.deepEqual(project.recorded(), ['001_a.ts', '002_b.ts', '003_c.ts'], 'each migration recorded exactly once')
    const db = project.open({ readonly: true })
    for (const table of ['a', 'b', 'c']) assert.equal(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), 1, `${table} applied once`)
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
    db.close()
    const applied = runs.filter((r) => /Applied 3 migrations/.test(r.output)).length
    const upToDate = runs.filter((r) => /Database is up to date/.test(r.output)).length
    assert.equal(applied + upToDate, RUNNERS, 'the others waited and found nothing to do')
  }

  it(`${RUNNERS} runners on a fresh checkout (compiling at the same time), rollback journal`, async () => {
    await runTogether(['migrate'])
    const db = project.open({ readonly: true })
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete')
    db.close()
  })

  it(`${RUNNERS} runners, WAL mode`, async () => {
    mkdirSync(dirname(project.dbPath), { recursive: true })
    const db = new Database(project.dbPath)
    db.pragma('journal_mode = WAL')
    db.close()
    assert.equal((await project.gulp(['migrate:build'])).code, 0)
    await runTogether(['migrate'])
    const after = project.open({ readonly: true })
    assert.equal(after.pragma('journal_mode', { simple: true }), 'wal')
    after.close()
  })

  it('gives up after the busy timeout when another writer holds the database, naming the timeout and changing nothing', async () => {
    project.migration('004_d.ts', 'CREATE TABLE d (id INTEGER)')
    assert.equal((await project.gulp(['migrate:build'])).code, 0)
    mkdirSync(dirname(project.dbPath), { recursive: true })
    const holder = new Database(project.dbPath)
    holder.exec('CREATE TABLE app (id INTEGER)')
    const before = dumpDatabase(project.dbPath)
    holder.exec('BEGIN IMMEDIATE')
    try {
      const started = Date.now()
      const run = await project.gulp(['migrate:apply', '--busy-timeout=400'])
      assert.ok(Date.now() - started >= 400)
      assert.notEqual(run.code, 0)
      assert.match(
        run.output,
        /is locked by another connection and stayed locked for the busy timeout of 400 ms; nothing was changed\. .*--busy-timeout=MS/,
      )
      assert.doesNotMatch(run.output, /\n\s+at /, 'no stack trace')
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
    assert.equal(dumpDatabase(project.dbPath), before)
  })
})
