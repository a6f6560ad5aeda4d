/** `gulp migrate` end to end: real gulp child processes, real SQLite files. */
import { strict as assert } from 'node:assert'
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import Database from 'better-sqlite3'
import { REPO, TestProject, dumpDatabase } from '../helpers/project'

const EXAMPLES = readdirSync(join(REPO, 'migrations'))
  .filter((f) => /^\d+_.*\.ts$/.test(f))
  .sort()

describe('gulp migrate', function () {
  this.timeout(120_000)
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('migrate')
  })
  afterEach(() => project.remove())

  it('applies the example migrations to a fresh database in order, then has nothing to do', async () => {
    for (const f of EXAMPLES) copyFileSync(join(REPO, 'migrations', f), join(project.migrationsDir, f))
    const first = await project.gulp(['migrate'], { npx: true })
    assert.equal(first.code, 0, first.output)
    assert.deepEqual(project.recorded(), EXAMPLES)
    for (const f of EXAMPLES) assert.match(first.output, new RegExp(`Applied ${f.replace('.ts', '')} \\(\\d+ ms\\)`))
    assert.match(first.output, new RegExp(`Applied ${EXAMPLES.length} migrations in \\d+ ms`))
    assert.ok(existsSync(project.dbPath), 'creates data/ and the database file')
    assert.equal(readFileSync(join(project.distDir, 'package.json'), 'utf8').trim(), '{"type":"commonjs"}')

    const second = await project.gulp(['migrate'], { npx: true })
    assert.equal(second.code, 0, second.output)
    assert.match(second.output, /Database is up to date/)
    assert.deepEqual(project.recorded(), EXAMPLES)
    const db = project.open({ readonly: true })
    assert.deepEqual(db.prepare('SELECT email FROM users').pluck().all(), ['admin@example.com'])
    db.close()
  })

  it('orders by the numeric prefix as a number, then by name', async () => {
    project.migration('20261126120000_z.ts', 'CREATE TABLE z (id INTEGER)')
    project.migration('1000_y.ts', 'CREATE TABLE y (id INTEGER)')
    project.migration('999_x.ts', 'CREATE TABLE x (id INTEGER)')
    project.migration('001_initial.ts', 'CREATE TABLE initial (id INTEGER)')
    project.migration('001_b.ts', 'CREATE TABLE b (id INTEGER)')
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    assert.deepEqual(project.recorded(), ['001_b.ts', '001_initial.ts', '999_x.ts', '1000_y.ts', '20261126120000_z.ts'])
  })

  for (const [kind, body] of [
    ['throws synchronously', `throw new Error('boom in the middle')`],
    ['rejects asynchronously', `await new Promise((r) => setTimeout(r, 5)); throw new Error('boom in the middle')`],
  ] as const) {
    it(`rolls back a migration that ${kind}: earlier ones stay, later ones do not run`, async () => {
      project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
      project.write(
        '002_broken.ts',
        `import type { Migration } from 'gulp-sqlite-migrate'\n` +
          `export const up: Migration['up'] = async (db) => {\n` +
          `  db.exec('CREATE TABLE broken (id INTEGER)')\n  db.prepare('INSERT INTO first (id) VALUES (1)').run()\n  ${body}\n}\n`,
      )
      project.migration('003_third.ts', 'CREATE TABLE third (id INTEGER)')
      const run = await project.gulp(['migrate'])
      assert.notEqual(run.code, 0)
      assert.match(run.output, /Migration migrations\/002_broken\.ts failed: boom in the middle/)
      assert.match(run.output, /1 migration\(s\) before it stay applied/)
      assert.doesNotMatch(run.output, /\n\s+at /, 'no stack trace for a failing migration')
      assert.deepEqual(project.recorded(), ['001_first.ts'])
      assert.deepEqual(project.tables(), ['first', 'migrations', 'migrations_lock'])
      const db = project.open({ readonly: true })
      assert.equal(db.prepare('SELECT count(*) FROM first').pluck().get(), 0, 'the data change of the failed migration is rolled back too')
      db.close()
    })
  }

  it('fails on a type error with file and line, and leaves the database unchanged', async () => {
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    assert.equal((await project.gulp(['migrate'])).code, 0)
    const before = dumpDatabase(project.dbPath)
    project.write('002_bad_type.ts', `export function up(): void {\n  const n: number = 'x'\n  void n\n}\n`)
    project.migration('003_ok.ts', 'CREATE TABLE ok (id INTEGER)')
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /migrations\/002_bad_type\.ts:2:9 - error TS2322: Type 'string' is not assignable to type 'number'/)
    assert.match(run.output, /nothing was compiled or applied/)
    assert.equal(dumpDatabase(project.dbPath), before)
    assert.ok(!existsSync(join(project.distDir, '003_ok.js')), 'noEmitOnError: nothing of a failed compile is written')
  })

  it('fails on a syntax error with file and line', async () => {
    project.write('001_syntax.ts', `export function up( {\n`)
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /migrations\/001_syntax\.ts:\d+:\d+ - error TS\d+/)
    assert.ok(!existsSync(project.dbPath) || project.tables().length === 0)
  })

  it('removes compiled output whose source was deleted, and never runs it', async () => {
    project.migration('001_keep.ts', 'CREATE TABLE keep (id INTEGER)')
    project.migration('002_deleted.ts', 'CREATE TABLE deleted (id INTEGER)')
    assert.equal((await project.gulp(['migrate:build'])).code, 0)
    rmSync(join(project.migrationsDir, '002_deleted.ts'))
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    assert.match(run.output, /Removed stale output of deleted source\(s\): 002_deleted/)
    assert.ok(!existsSync(join(project.distDir, '002_deleted.js')))
    assert.deepEqual(project.tables(), ['keep', 'migrations', 'migrations_lock'])
  })

  it('refuses a stray compiled file that no source produced when only applying', async () => {
    project.migration('001_keep.ts', 'CREATE TABLE keep (id INTEGER)')
    assert.equal((await project.gulp(['migrate:build'])).code, 0)
    writeFileSync(join(project.distDir, '002_stray.js'), `exports.up = (db) => db.exec('CREATE TABLE stray (id INTEGER)')\n`)
    const run = await project.gulp(['migrate:apply'])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /002_stray\.js has no source in the compile manifest, so it was not run/)
    assert.ok(!existsSync(project.dbPath) || !project.tables().includes('stray'))
  })

  it('migrates a host package whose package.json says "type": "module"', async () => {
    writeFileSync(join(project.dir, 'package.json'), JSON.stringify({ name: 'esm-host', type: 'module' }))
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    assert.deepEqual(project.recorded(), ['001_first.ts'])
    // The marker is what makes this work: without it Node treats the compiled file as an ES module and `up` is lost.
    const probe = (file: string) =>
      spawnSync(
        process.execPath,
        ['-e', `try { process.stdout.write(typeof require(${JSON.stringify(file)}).up) } catch { process.stdout.write('error') }`],
        {
          encoding: 'utf8',
        },
      ).stdout
    const compiled = join(project.distDir, '001_first.js')
    assert.equal(probe(compiled), 'function')
    rmSync(join(project.distDir, 'package.json'))
    assert.notEqual(probe(compiled), 'function')
  })

  it('adopts a database of the earlier runner (three-column table, .ts names) without re-running anything', async () => {
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    project.migration('002_second.ts', 'CREATE TABLE second (id INTEGER)')
    project.migration('003_third.ts', 'CREATE TABLE third (id INTEGER)')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(project.dir, 'data'))
    const db = new Database(project.dbPath)
    db.exec(`
      CREATE TABLE migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE first (id INTEGER); CREATE TABLE second (id INTEGER);
      INSERT INTO migrations (name, applied_at) VALUES ('001_first.ts', '2025-01-01 00:00:00'), ('002_second.ts', '2025-01-02 00:00:00');
    `)
    db.close()
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    assert.match(run.output, /Recorded checksums of 2 migrations adopted from the earlier runner/)
    assert.match(run.output, /Applied 003_third/)
    assert.doesNotMatch(run.output, /Applied 001_first|Applied 002_second/)
    const after = project.open({ readonly: true })
    const rows = after.prepare('SELECT name, applied_at, checksum IS NOT NULL AS hasChecksum FROM migrations ORDER BY id').all()
    assert.deepEqual(rows, [
      { name: '001_first.ts', applied_at: '2025-01-01 00:00:00', hasChecksum: 1 },
      { name: '002_second.ts', applied_at: '2025-01-02 00:00:00', hasChecksum: 1 },
      { name: '003_third.ts', applied_at: rows[2] && (rows[2] as { applied_at: string }).applied_at, hasChecksum: 1 },
    ])
    after.close()
  })

  it('refuses a module without an up function before anything of it runs', async () => {
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    project.write('002_no_up.ts', `export const upp = () => undefined\n`)
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(
      run.output,
      /Migration migrations\/002_no_up\.ts is not a valid migration: it must export a function `up\(db\)` \(found none\)/,
    )
    assert.ok(!existsSync(project.dbPath) || !project.tables().includes('first'), 'checked before anything is applied')
  })

  it('takes the database path from --db, then DATABASE_PATH, then the gulpfile', async () => {
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    const viaFlag = await project.gulp(['migrate', '--db', 'other/flag.sqlite3'], {
      env: { DATABASE_PATH: join(project.dir, 'env.sqlite3') },
    })
    assert.equal(viaFlag.code, 0, viaFlag.output)
    assert.ok(existsSync(join(project.dir, 'other', 'flag.sqlite3')), '--db wins and its folder is created')
    assert.ok(!existsSync(join(project.dir, 'env.sqlite3')))
    const viaEnv = await project.gulp(['migrate'], { env: { DATABASE_PATH: join(project.dir, 'env.sqlite3') } })
    assert.equal(viaEnv.code, 0, viaEnv.output)
    assert.ok(existsSync(join(project.dir, 'env.sqlite3')))
    assert.ok(!existsSync(project.dbPath), 'the default is used only without --db and DATABASE_PATH')
  })
})
