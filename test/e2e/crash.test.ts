/**
 * SIGKILL at every step of applying a migration, through the runner's failpoints
 * (GULP_SQLITE_MIGRATE_FAILPOINT) or from inside the migration itself. After each crash every migration is
 * applied and recorded, or neither; the database is intact; and the next run finishes the job. The migrations
 * are compiled once for the whole run (test/helpers/fixtures.ts), so each crash costs one `gulp migrate:apply`.
 */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { FAILPOINT_ENV } from '../../tasks/io/failpoint'
import { compileFixtures, compiledProject, fixture, sqlFixture } from '../helpers/fixtures'
import { REPO, TestProject } from '../helpers/project'

const TRANSACTIONAL = ['001_base', '002_target']
const MIGRATIONS = {
  '001_base.ts': sqlFixture('CREATE TABLE base (id INTEGER)'),
  '002_target.ts': fixture(
    `export function up(db: import('better-sqlite3').Database): void {\n` +
      `  db.exec('CREATE TABLE target (id INTEGER)')\n` +
      `  db.prepare('INSERT INTO target VALUES (1)').run()\n` +
      `  if (process.env.KILL_INSIDE_UP) process.kill(process.pid, 'SIGKILL')\n` +
      `  db.prepare('INSERT INTO target VALUES (2)').run()\n}\n`,
  ),
  '003_outside.ts': fixture(
    `export const transaction = false\n` +
      `export function up(db: import('better-sqlite3').Database): void {\n` +
      `  db.exec('CREATE TABLE IF NOT EXISTS outside_a (id INTEGER)')\n` +
      `  if (process.env.KILL_OUTSIDE) process.kill(process.pid, 'SIGKILL')\n` +
      `  db.exec('CREATE TABLE IF NOT EXISTS outside_b (id INTEGER)')\n}\n`,
  ),
}
const MILLION = fixture(
  `export function up(db: import('better-sqlite3').Database): void {\n` +
    `  db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)')\n` +
    `  const insert = db.prepare('INSERT INTO big (v) VALUES (?)')\n` +
    `  for (let i = 0; i < 1_000_000; i++) insert.run('row ' + i)\n}\n`,
)

describe('gulp migrate: crashes', function () {
  this.timeout(180_000)
  let project: TestProject
  let dbCounter = 0
  before(async () => {
    await compileFixtures()
    project = await compiledProject('crash', MIGRATIONS)
  })
  after(() => project.remove())

  const freshDb = () => join(project.dir, `crash-${++dbCounter}.sqlite3`)

  function inspect(dbPath: string): { recorded: string[]; tables: string[]; lease: number; integrity: string } {
    const db = new Database(dbPath, { readonly: true })
    try {
      const tables = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
        .pluck()
        .all() as string[]
      const recorded = tables.includes('migrations')
        ? (db.prepare('SELECT name FROM migrations ORDER BY id').pluck().all() as string[])
        : []
      const lease = tables.includes('migrations_lock') ? (db.prepare('SELECT count(*) FROM migrations_lock').pluck().get() as number) : 0
      return { recorded, tables, lease, integrity: db.pragma('integrity_check', { simple: true }) as string }
    } finally {
      db.close()
    }
  }

  /** Every transactional migration is applied and recorded, or neither. */
  function assertAllOrNothing(dbPath: string): void {
    const state = inspect(dbPath)
    assert.equal(state.integrity, 'ok')
    const tableOf: Record<string, string> = { '001_base': 'base', '002_target': 'target' }
    for (const id of TRANSACTIONAL) {
      assert.equal(state.recorded.includes(`${id}.ts`), state.tables.includes(tableOf[id]), `${id}: applied and recorded, or neither`)
    }
    if (state.tables.includes('target')) {
      const db = new Database(dbPath, { readonly: true })
      assert.equal(db.prepare('SELECT count(*) FROM target').pluck().get(), 2, 'target has all its rows or does not exist')
      db.close()
    }
  }

  async function assertNextRunFinishes(dbPath: string): Promise<string> {
    const run = await project.gulp(['migrate:apply', `--db=${dbPath}`])
    assert.equal(run.code, 0, run.output)
    const state = inspect(dbPath)
    assert.deepEqual(state.recorded, ['001_base.ts', '002_target.ts', '003_outside.ts'])
    assert.equal(state.lease, 0, 'no lease left behind')
    assert.equal(state.integrity, 'ok')
    return run.output
  }

  for (const point of ['after-begin', 'after-up', 'after-record', 'before-commit'] as const) {
    it(`SIGKILL at ${point}`, async () => {
      const dbPath = freshDb()
      const run = await project.gulp(['migrate:apply', `--db=${dbPath}`], { env: { [FAILPOINT_ENV]: point } })
      assert.equal(run.signal, 'SIGKILL', run.output)
      assertAllOrNothing(dbPath)
      assert.deepEqual(inspect(dbPath).recorded, [], 'the batch was not committed')
      await assertNextRunFinishes(dbPath)
    })
  }

  it('SIGKILL inside up, after some of its statements ran', async () => {
    const dbPath = freshDb()
    const run = await project.gulp(['migrate:apply', `--db=${dbPath}`, '--transaction-per-migration'], { env: { KILL_INSIDE_UP: '1' } })
    assert.equal(run.signal, 'SIGKILL', run.output)
    assertAllOrNothing(dbPath)
    assert.deepEqual(inspect(dbPath).recorded, ['001_base.ts'], 'with a commit per migration, the one before stays')
    await assertNextRunFinishes(dbPath)
  })

  it('SIGKILL halfway through a non-transactional migration: the next run breaks the dead lease and re-runs it', async () => {
    const dbPath = freshDb()
    const run = await project.gulp(['migrate:apply', `--db=${dbPath}`], { env: { KILL_OUTSIDE: '1' } })
    assert.equal(run.signal, 'SIGKILL', run.output)
    assertAllOrNothing(dbPath)
    const state = inspect(dbPath)
    assert.deepEqual(state.recorded, ['001_base.ts', '002_target.ts'], 'the transactional ones before it were committed')
    assert.ok(state.tables.includes('outside_a') && !state.tables.includes('outside_b'), 'it stopped half-way')
    assert.equal(state.lease, 1, 'its lease is still there')
    const output = await assertNextRunFinishes(dbPath)
    assert.match(output, /Broke the lease of migration 003_outside in process \d+ .*that process is gone/)
    assert.ok(inspect(dbPath).tables.includes('outside_b'))
  })

  it('SIGKILL halfway through a non-transactional migration: `gulp migrate:unlock` releases the dead lease', async () => {
    const dbPath = freshDb()
    const run = await project.gulp(['migrate:apply', `--db=${dbPath}`], { env: { KILL_OUTSIDE: '1' } })
    assert.equal(run.signal, 'SIGKILL', run.output)
    assert.equal(inspect(dbPath).lease, 1)
    const unlock = await project.gulp(['migrate:unlock', `--db=${dbPath}`])
    assert.equal(unlock.code, 0, unlock.output)
    assert.match(unlock.output, /Released the lease of .*003_outside.*Check what that migration changed before running gulp migrate again/)
    const state = inspect(dbPath)
    assert.equal(state.lease, 0, 'released')
    assert.deepEqual(state.recorded, ['001_base.ts', '002_target.ts'], 'nothing else changed')
    assert.ok(state.tables.includes('outside_a') && !state.tables.includes('outside_b'))
  })

  it('SIGKILL during a long migration (a million rows)', async () => {
    const long = await compiledProject('crash-long', { '001_million.ts': MILLION })
    try {
      // Kill from outside once the runner is well into the inserts (the journal file exists by then).
      const { existsSync } = await import('node:fs')
      const child = spawn(
        process.execPath,
        [join(REPO, 'node_modules/gulp/bin/gulp.js'), '--gulpfile', join(REPO, 'gulpfile.ts'), '--cwd', long.dir, 'migrate:apply'],
        {
          stdio: 'ignore',
        },
      )
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
      const deadline = Date.now() + 20_000
      while (!existsSync(`${long.dbPath}-journal`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 300))
      child.kill('SIGKILL')
      assert.equal(await exited, 'SIGKILL', 'killed while still running')
      const db = new Database(long.dbPath)
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE name = 'big'`).pluck().all()
      assert.deepEqual(tables, [], 'the half-inserted table is gone')
      db.close()
      const again = await long.gulp(['migrate:apply'])
      assert.equal(again.code, 0, again.output)
      const after = new Database(long.dbPath, { readonly: true })
      assert.equal(after.prepare('SELECT count(*) FROM big').pluck().get(), 1_000_000)
      after.close()
    } finally {
      long.remove()
    }
  })
})
