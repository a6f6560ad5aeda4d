/**
 * Several deploy jobs running `gulp migrate` on one database at once, and a writer that holds the lock. Eight
 * runners apply at once in each journal mode, starting from migrations compiled once for the whole run
 * (test/helpers/fixtures.ts); on a fresh checkout fewer runners also compile at the same time (each one loads
 * TypeScript: seconds of CPU on a small machine).
 */
import { strict as assert } from 'node:assert'
import Database from 'better-sqlite3'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { compileFixtures, compiledProject, fixture, sqlFixture } from '../helpers/fixtures'
import { TestProject, dumpDatabase } from '../helpers/project'

const RUNNERS = 8
const COMPILING_RUNNERS = 4

/** A migration that awaits inside its transaction, so the runners really overlap. */
function slowMigration(table: string): string {
  return (
    `import type { Migration } from 'gulp-sqlite-migrate'\n` +
    `export const up: Migration['up'] = async (db) => {\n` +
    `  db.exec('CREATE TABLE ${table} (id INTEGER PRIMARY KEY, pid INTEGER)')\n` +
    `  await new Promise((resolve) => setTimeout(resolve, 100))\n` +
    `  db.prepare('INSERT INTO ${table} (pid) VALUES (?)').run(process.pid)\n}\n`
  )
}
const SLOW = { '001_a.ts': fixture(slowMigration('a')), '002_b.ts': fixture(slowMigration('b')), '003_c.ts': fixture(slowMigration('c')) }
const D = sqlFixture('CREATE TABLE d (id INTEGER)')

describe('gulp migrate: concurrent runners', function () {
  this.timeout(180_000)
  let project: TestProject | undefined
  before(compileFixtures)
  afterEach(() => project?.remove())

  async function runTogether(target: TestProject, args: string[], runners = RUNNERS): Promise<void> {
    const runs = await Promise.all(Array.from({ length: runners }, () => target.gulp(args)))
    runs.forEach((run, i) => {
      assert.equal(run.code, 0, `runner ${i} failed:\n${run.output}`)
      assert.doesNotMatch(run.output, /database is locked/i)
    })
    assert.deepEqual(target.recorded(), ['001_a.ts', '002_b.ts', '003_c.ts'], 'each migration recorded exactly once')
    const db = target.open({ readonly: true })
    for (const table of ['a', 'b', 'c']) assert.equal(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), 1, `${table} applied once`)
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
    db.close()
    const applied = runs.filter((r) => /Applied 3 migrations/.test(r.output)).length
    const upToDate = runs.filter((r) => /Database is up to date/.test(r.output)).length
    assert.equal(applied, 1, 'one runner applied them')
    assert.equal(upToDate, runners - 1, 'the others waited and found nothing to do')
  }

  it(`${RUNNERS} runners, rollback journal`, async () => {
    project = await compiledProject('concurrency', SLOW)
    await runTogether(project, ['migrate'])
    const db = project.open({ readonly: true })
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete')
    db.close()
  })

  it(`${COMPILING_RUNNERS} runners on a fresh checkout, compiling at the same time`, async () => {
    project = new TestProject('concurrency')
    for (const [file, source] of Object.entries(SLOW)) project.write(file, source.text)
    await runTogether(project, ['migrate'], COMPILING_RUNNERS)
    for (const file of ['001_a.js', '002_b.js', '003_c.js', 'package.json', '.manifest.json'])
      assert.ok(existsSync(join(project.distDir, file)), `${file} written`)
    const rerun = await project.gulp(['migrate'])
    assert.equal(rerun.code, 0, rerun.output)
    assert.doesNotMatch(rerun.output, /Compiled/, 'the compile manifest the runners left behind is complete')
  })

  it(`${RUNNERS} runners, WAL mode`, async () => {
    project = await compiledProject('concurrency', SLOW)
    mkdirSync(dirname(project.dbPath), { recursive: true })
    const db = new Database(project.dbPath)
    db.pragma('journal_mode = WAL')
    db.close()
    await runTogether(project, ['migrate'])
    const after = project.open({ readonly: true })
    assert.equal(after.pragma('journal_mode', { simple: true }), 'wal')
    after.close()
  })

  it('gives up after the busy timeout when another writer holds the database, naming the timeout and changing nothing', async () => {
    project = await compiledProject('concurrency', { ...SLOW, '004_d.ts': D })
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
