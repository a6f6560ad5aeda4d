/**
 * The gulp tasks run in-process with real gulp, real files and real SQLite: the command-line contract that
 * does not need a separate process (flags per task, --no- forms, backups, refusals before opening the
 * database). One compile, shared by every test; each test has its own database.
 */
import { strict as assert } from 'node:assert'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import gulp from 'gulp'
import type PluginError from 'plugin-error'
import { migrationTasks, type MigrationTaskOptions, type TaskFunction } from '../../tasks/index'
import { TestProject, dumpDatabase } from '../helpers/project'
import Database from 'better-sqlite3'

function runTask(task: TaskFunction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const returned = task((error) => (error ? reject(error) : resolve()))
    if (returned && typeof returned.then === 'function') returned.then(() => resolve(), reject)
  })
}

async function refused(task: TaskFunction): Promise<PluginError> {
  try {
    await runTask(task)
  } catch (error) {
    return error as PluginError
  }
  assert.fail('expected the task to fail')
}

describe('gulp tasks in-process', function () {
  this.timeout(60_000)
  let project: TestProject
  let n = 0
  let db: string
  const swallow = () => undefined // gulp re-emits a failed series step on itself; the test reads the rejection
  before(async () => {
    gulp.on('error', swallow)
    project = new TestProject('tasks')
    for (const name of ['a', 'b', 'c'])
      project.migration(`00${'abc'.indexOf(name) + 1}_${name}.ts`, `CREATE TABLE ${name} (id INTEGER)`, `DROP TABLE ${name}`)
    await runTask(migrationTasks(gulp, options(), [])['migrate:build'])
  })
  after(() => {
    gulp.off('error', swallow)
    project.remove()
  })
  beforeEach(() => {
    db = join(project.dir, 'data', `db-${++n}.sqlite3`)
  })
  const options = (extra: MigrationTaskOptions = {}): MigrationTaskOptions => ({
    migrationsDir: project.migrationsDir,
    schemaFile: false,
    ...extra,
  })
  const task = (name: Parameters<typeof migrationTasks>[0] extends never ? never : string, argv: string[], extra?: MigrationTaskOptions) =>
    migrationTasks(gulp, options(extra), [name, `--db=${db}`, ...argv])[name as 'migrate']
  const tables = () => {
    const conn = new Database(db, { readonly: true })
    try {
      return conn
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'migrations%' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .pluck()
        .all()
    } finally {
      conn.close()
    }
  }
  const backups = () => readdirSync(join(project.dir, 'data')).filter((f) => f.startsWith(`db-${n}.sqlite3.`) && f.endsWith('.backup'))

  it('refuses a flag the task does not take before opening the database: migrate:unlock --step=1', async () => {
    await runTask(task('migrate:apply', []))
    const before = dumpDatabase(db)
    const error = await refused(task('migrate:unlock', ['--step=1']))
    assert.match(error.message, /^gulp migrate:unlock does not accept --step\. Nothing was run/)
    assert.equal(dumpDatabase(db), before)
  })

  for (const name of ['migrate:down', 'migrate:redo']) {
    it(`${name} --dry-run rehearses on a copy and leaves the file byte for byte unchanged`, async () => {
      await runTask(task('migrate:apply', []))
      const before = dumpDatabase(db)
      const { readFileSync } = await import('node:fs')
      const bytes = readFileSync(db)
      await runTask(task(name, ['--dry-run', '--step=2']))
      assert.equal(dumpDatabase(db), before)
      assert.ok(readFileSync(db).equals(bytes), 'not a byte changed')
    })
  }

  it('migrate:down --dry-run fails when the rehearsal fails, and says the database was not changed', async () => {
    await runTask(task('migrate:apply', []))
    const error = await refused(task('migrate:down', ['--dry-run', '--step=9']))
    assert.match(error.message, /^The dry run failed \(the database was not changed\): --step=9 but only 3 migration\(s\) are applied/)
  })

  it('refuses a typo before creating the database: migrate --dryrun', async () => {
    const error = await refused(task('migrate:apply', ['--dryrun']))
    assert.match(error.message, /does not accept --dryrun; did you mean --dry-run\?/)
    assert.equal(existsSync(db), false)
  })

  it('migrate:down --step=2 rolls back two, and --backup takes a backup of the state before', async () => {
    await runTask(task('migrate:apply', []))
    await runTask(task('migrate:down', ['--step=2', '--backup']))
    assert.deepEqual(tables(), ['a'])
    const [backup] = backups()
    assert.ok(backup, 'a backup was written')
    const copy = new Database(join(project.dir, 'data', backup), { readonly: true })
    assert.deepEqual(copy.prepare(`SELECT name FROM migrations ORDER BY id`).pluck().all(), ['001_a.ts', '002_b.ts', '003_c.ts'])
    copy.close()
  })

  it('--no-backup overrides backup: true from the gulpfile; without it the gulpfile option holds', async () => {
    await runTask(task('migrate:apply', ['--no-backup'], { backup: true }))
    assert.deepEqual(backups(), [])
    await runTask(task('migrate:down', [], { backup: true }))
    assert.equal(backups().length, 1)
  })

  it('words API problems with flags: --step beyond what is applied', async () => {
    await runTask(task('migrate:apply', ['--to=001_a']))
    const error = await refused(task('migrate:down', ['--step=5']))
    assert.equal(error.message, '--step=5 but only 1 migration(s) are applied; nothing was rolled back. Use --all to roll back everything.')
    assert.equal(error.showStack, false)
  })

  it('migrate:redo redoes the newest as one unit', async () => {
    await runTask(task('migrate:apply', []))
    await runTask(task('migrate:redo', []))
    assert.deepEqual(tables(), ['a', 'b', 'c'])
  })

  it('refuses a table option with quotes or semicolons before the database file is created', async () => {
    const error = await refused(task('migrate:apply', [], { table: 'x"; DROP TABLE users; --' }))
    assert.match(error.message, /the table option of the gulpfile must be a table name of letters, digits and underscores/)
    assert.equal(error.showStack, false)
    assert.equal(existsSync(db), false)
  })

  it('migrate:down --last-run rolls back what the last run applied, as knex rolls back a batch', async () => {
    await runTask(task('migrate:apply', ['--to=001_a']))
    await runTask(task('migrate:apply', []))
    await runTask(task('migrate:down', ['--last-run']))
    assert.deepEqual(tables(), ['a'])
  })

  it('migrate:up --name applies exactly one, and requires the name; migrate:down --name only the newest', async () => {
    assert.match((await refused(task('migrate:up', []))).message, /--name must be the pending migration to apply/)
    await runTask(task('migrate:up', ['--name=001_a']))
    assert.deepEqual(tables(), ['a'])
    assert.match((await refused(task('migrate:up', ['--name=003_c']))).message, /would leave 002_b pending before it/)
    await runTask(task('migrate:up', ['--name=002_b']))
    assert.match((await refused(task('migrate:down', ['--name=001_a']))).message, /--name=001_a is not the newest applied migration/)
    await runTask(task('migrate:down', ['--name=002_b']))
    assert.deepEqual(tables(), ['a'])
  })

  it('gives every task a description for gulp --tasks', async () => {
    for (const [name, fn] of Object.entries(migrationTasks(gulp, options(), []))) assert.ok((fn.description ?? '').length > 10, name)
  })
})
