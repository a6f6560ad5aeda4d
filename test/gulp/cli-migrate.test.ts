/**
 * `gulp migrate` and `gulp migrate:apply` as gulp runs them, in this process, on real files and real SQLite
 * databases: the migrations are compiled once for the whole run (test/helpers/fixtures.ts), so the compile
 * step finds nothing to do. The command line itself (exit codes, `npx gulp`, compiler errors, --db and
 * DATABASE_PATH) is tested in test/e2e/migrate.test.ts.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { compileFixtures, compiledProject, fixture, sqlFixture } from '../helpers/fixtures'
import type { TestProject } from '../helpers/project'
import { taskError, taskOutput } from '../helpers/tasks'

// Fixtures are registered when this file loads, so one compile covers them all.
const TABLE = Object.fromEntries(
  ['z', 'y', 'x', 'initial', 'b', 'first', 'second', 'third', 'keep', 'deleted'].map((name) => [
    name,
    sqlFixture(`CREATE TABLE ${name} (id INTEGER)`),
  ]),
)
const table = (name: string) => TABLE[name]
const broken = (body: string) =>
  fixture(
    `import type { Migration } from 'gulp-sqlite-migrate'\n` +
      `export const up: Migration['up'] = async (db) => {\n` +
      `  db.exec('CREATE TABLE broken (id INTEGER)')\n  db.prepare('INSERT INTO first (id) VALUES (1)').run()\n  ${body}\n}\n`,
  )
const BROKEN = {
  'throws synchronously': broken(`throw new Error('boom in the middle')`),
  'rejects asynchronously': broken(`await new Promise((r) => setTimeout(r, 5)); throw new Error('boom in the middle')`),
}
const NO_UP = fixture(`export const upp = () => undefined\n`)

describe('gulp migrate (in process)', () => {
  let project: TestProject | undefined
  before(compileFixtures)
  afterEach(() => project?.remove())

  it('applies in the order of the numeric prefix as a number, then by name', async () => {
    project = await compiledProject('cli-migrate', {
      '20261126120000_z.ts': table('z'),
      '1000_y.ts': table('y'),
      '999_x.ts': table('x'),
      '001_initial.ts': table('initial'),
      '001_b.ts': table('b'),
    })
    await taskOutput(project, 'migrate')
    assert.deepEqual(project.recorded(), ['001_b.ts', '001_initial.ts', '999_x.ts', '1000_y.ts', '20261126120000_z.ts'])
  })

  for (const [kind, source] of Object.entries(BROKEN)) {
    it(`rolls back a migration that ${kind}: earlier ones stay, later ones do not run`, async () => {
      project = await compiledProject('cli-migrate', {
        '001_first.ts': table('first'),
        '002_broken.ts': source,
        '003_third.ts': table('third'),
      })
      const error = await taskError(project, 'migrate')
      assert.equal(error.plugin, 'gulp-sqlite-migrate')
      assert.equal(error.showStack, false, 'printed without a stack trace')
      assert.match(error.message, /Migration \S*migrations\/002_broken\.ts failed: boom in the middle/)
      assert.match(error.message, /1 migration\(s\) before it stay applied/)
      assert.deepEqual(project.recorded(), ['001_first.ts'])
      assert.deepEqual(project.tables(), ['first', 'migrations', 'migrations_lock'])
      const db = project.open({ readonly: true })
      assert.equal(db.prepare('SELECT count(*) FROM first').pluck().get(), 0, 'the data change of the failed migration is rolled back too')
      db.close()
    })
  }

  it('refuses a module without an up function before anything of it runs', async () => {
    project = await compiledProject('cli-migrate', { '001_first.ts': table('first'), '002_no_up.ts': NO_UP })
    const error = await taskError(project, 'migrate')
    assert.equal(error.showStack, false)
    assert.match(
      error.message,
      /Migration \S*migrations\/002_no_up\.ts is not a valid migration: it must export a function `up\(db\)` \(found none\)/,
    )
    assert.ok(!existsSync(project.dbPath) || !project.tables().includes('first'), 'checked before anything is applied')
  })

  it('removes compiled output whose source was deleted, and never runs it', async () => {
    project = await compiledProject('cli-migrate', { '001_keep.ts': table('keep'), '002_deleted.ts': table('deleted') })
    rmSync(join(project.migrationsDir, '002_deleted.ts'))
    const output = await taskOutput(project, 'migrate')
    assert.match(output, /Removed stale output of deleted source\(s\): 002_deleted/)
    assert.ok(!existsSync(join(project.distDir, '002_deleted.js')))
    assert.deepEqual(project.tables(), ['keep', 'migrations', 'migrations_lock'])
  })

  it('refuses a stray compiled file that no source produced when only applying', async () => {
    project = await compiledProject('cli-migrate', { '001_keep.ts': table('keep') })
    writeFileSync(join(project.distDir, '002_stray.js'), `exports.up = (db) => db.exec('CREATE TABLE stray (id INTEGER)')\n`)
    const error = await taskError(project, 'migrate:apply')
    assert.equal(error.showStack, false)
    assert.match(error.message, /002_stray\.js has no source in the compile manifest, so it was not run/)
    assert.ok(!existsSync(project.dbPath) || !project.tables().includes('stray'))
  })

  it('migrates a host package whose package.json says "type": "module"', async () => {
    project = await compiledProject('cli-migrate', { '001_first.ts': table('first') })
    writeFileSync(join(project.dir, 'package.json'), JSON.stringify({ name: 'esm-host', type: 'module' }))
    rmSync(join(project.distDir, 'package.json')) // the marker must come from this run
    await taskOutput(project, 'migrate')
    assert.deepEqual(project.recorded(), ['001_first.ts'])
    // The marker is what makes this work: without it Node treats the compiled file as an ES module and `up` is lost.
    const probe = (file: string) =>
      spawnSync(
        process.execPath,
        ['-e', `try { process.stdout.write(typeof require(${JSON.stringify(file)}).up) } catch { process.stdout.write('error') }`],
        { encoding: 'utf8' },
      ).stdout
    const compiled = join(project.distDir, '001_first.js')
    assert.equal(probe(compiled), 'function')
    rmSync(join(project.distDir, 'package.json'))
    assert.notEqual(probe(compiled), 'function')
  })

  it('adopts a database of the earlier runner (three-column table, .ts names) without re-running anything', async () => {
    project = await compiledProject('cli-migrate', {
      '001_first.ts': table('first'),
      '002_second.ts': table('second'),
      '003_third.ts': table('third'),
    })
    mkdirSync(join(project.dir, 'data'))
    const db = new Database(project.dbPath)
    db.exec(`
      CREATE TABLE migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE first (id INTEGER); CREATE TABLE second (id INTEGER);
      INSERT INTO migrations (name, applied_at) VALUES ('001_first.ts', '2025-01-01 00:00:00'), ('002_second.ts', '2025-01-02 00:00:00');
    `)
    db.close()
    // SQLite's CURRENT_TIMESTAMP: UTC, to the second.
    const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
    const started = sqlTime(Date.now())
    const output = await taskOutput(project, 'migrate')
    const finished = sqlTime(Date.now())
    assert.match(output, /Recorded checksums of 2 migrations adopted from the earlier runner/)
    assert.match(output, /Applied 003_third/)
    assert.doesNotMatch(output, /Applied 001_first|Applied 002_second/)
    const checksums = (JSON.parse(readFileSync(join(project.distDir, '.manifest.json'), 'utf8')) as { migrations: Record<string, string> })
      .migrations
    const after = project.open({ readonly: true })
    const rows = after.prepare('SELECT name, applied_at, checksum FROM migrations ORDER BY id').all() as Array<{
      name: string
      applied_at: string
      checksum: string
    }>
    after.close()
    assert.deepEqual(
      rows.map((r) => [r.name, r.checksum]),
      [
        ['001_first.ts', checksums['001_first']],
        ['002_second.ts', checksums['002_second']],
        ['003_third.ts', checksums['003_third']],
      ],
      'every row has the checksum of its source',
    )
    assert.deepEqual(
      rows.slice(0, 2).map((r) => r.applied_at),
      ['2025-01-01 00:00:00', '2025-01-02 00:00:00'],
      'adopted rows keep when they were applied',
    )
    const applied = rows[2].applied_at
    assert.match(applied, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    assert.ok(started <= applied && applied <= finished, `003_third applied at ${applied}, during this run (${started} to ${finished})`)
  })
})
