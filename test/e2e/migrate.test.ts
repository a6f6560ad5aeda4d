/**
 * `gulp migrate` end to end: real gulp child processes, real SQLite files. What the task does with the files
 * and the database is tested in process in test/gulp/cli-migrate.test.ts; here only what needs a process:
 * `npx gulp` on a fresh checkout (a real cold compile), compiler errors as printed by gulp-cli, the build steps
 * on their own, and where the database path comes from.
 */
import { strict as assert } from 'node:assert'
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { compileFixtures, compiledProject, sqlFixture } from '../helpers/fixtures'
import { REPO, TestProject, dumpDatabase } from '../helpers/project'

const EXAMPLES = readdirSync(join(REPO, 'migrations'))
  .filter((f) => /^\d+_.*\.ts$/.test(f))
  .sort()

const FIRST = sqlFixture('CREATE TABLE first (id INTEGER)')
const DELETED = sqlFixture('CREATE TABLE deleted (id INTEGER)')

describe('gulp migrate', function () {
  this.timeout(120_000)
  let project: TestProject | undefined
  before(compileFixtures)
  afterEach(() => project?.remove())

  it('applies the example migrations to a fresh database in order with `npx gulp`, then has nothing to do', async () => {
    project = new TestProject('migrate')
    for (const f of EXAMPLES) copyFileSync(join(REPO, 'migrations', f), join(project.migrationsDir, f))
    const first = await project.gulp(['migrate'], { npx: true })
    assert.equal(first.code, 0, first.output)
    assert.match(first.output, new RegExp(`Compiled ${EXAMPLES.length} migrations`))
    assert.deepEqual(project.recorded(), EXAMPLES)
    for (const f of EXAMPLES) assert.match(first.output, new RegExp(`Applied ${f.replace('.ts', '')} \\(\\d+ ms\\)`))
    assert.match(first.output, new RegExp(`Applied ${EXAMPLES.length} migrations in \\d+ ms`))
    assert.ok(existsSync(project.dbPath), 'creates data/ and the database file')
    assert.equal(readFileSync(join(project.distDir, 'package.json'), 'utf8').trim(), '{"type":"commonjs"}')

    const second = await project.gulp(['migrate'])
    assert.equal(second.code, 0, second.output)
    assert.doesNotMatch(second.output, /Compiled/, 'nothing is compiled again')
    assert.match(second.output, /Database is up to date/)
    assert.deepEqual(project.recorded(), EXAMPLES)
    const db = project.open({ readonly: true })
    assert.deepEqual(db.prepare('SELECT email FROM users').pluck().all(), ['admin@example.com'])
    db.close()
  })

  it('fails on type errors in several files at once with file:line:col and no stack, compiles nothing and leaves the database unchanged', async () => {
    project = await compiledProject('migrate', { '001_first.ts': FIRST })
    assert.equal((await project.gulp(['migrate'])).code, 0)
    const before = dumpDatabase(project.dbPath)
    project.write('002_bad_type.ts', `export function up(): void {\n  const n: number = 'x'\n  void n\n}\n`)
    project.write('003_bad_call.ts', `export function up(): void {\n  Math.floor('x')\n}\n`)
    project.migration('004_ok.ts', 'CREATE TABLE ok (id INTEGER)')
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /migrations\/002_bad_type\.ts:2:9 - error TS2322: Type 'string' is not assignable to type 'number'/)
    assert.match(run.output, /migrations\/003_bad_call\.ts:2:14 - error TS2345/)
    assert.match(run.output, /nothing was compiled or applied/)
    assert.doesNotMatch(run.output, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace')
    assert.equal(dumpDatabase(project.dbPath), before)
    assert.ok(!existsSync(join(project.distDir, '004_ok.js')), 'noEmitOnError: nothing of a failed compile is written')
  })

  it('migrate:compile, migrate:marker and migrate:build each do their step and never open the database', async () => {
    project = await compiledProject('migrate', { '001_first.ts': FIRST, '002_deleted.ts': DELETED })
    const marker = join(project.distDir, 'package.json')
    rmSync(marker)
    rmSync(join(project.migrationsDir, '002_deleted.ts'))
    const compile = await project.gulp(['migrate:compile'])
    assert.equal(compile.code, 0, compile.output)
    assert.match(compile.output, /Removed stale output of deleted source\(s\): 002_deleted/)
    assert.ok(!existsSync(join(project.distDir, '002_deleted.js')))
    assert.ok(!existsSync(marker), 'compile only compiles')
    const writeMarker = await project.gulp(['migrate:marker'])
    assert.equal(writeMarker.code, 0, writeMarker.output)
    assert.equal(readFileSync(marker, 'utf8').trim(), '{"type":"commonjs"}')
    rmSync(marker)
    const build = await project.gulp(['migrate:build'])
    assert.equal(build.code, 0, build.output)
    assert.match(build.output, /Finished 'migrate:compile'[^]*Finished 'migrate:marker'[^]*Finished 'migrate:build'/)
    assert.ok(existsSync(marker), 'build compiles and writes the marker')
    assert.ok(existsSync(join(project.distDir, '001_first.js')))
    assert.ok(!existsSync(join(project.dir, 'data')), 'no database is created')
  })

  it('takes the database path from --db, then DATABASE_PATH, then the gulpfile', async () => {
    project = await compiledProject('migrate', { '001_first.ts': FIRST })
    const env = { DATABASE_PATH: join(project.dir, 'env.sqlite3') }
    const viaFlag = await project.gulp(['migrate', '--db', 'other/flag.sqlite3'], { env })
    assert.equal(viaFlag.code, 0, viaFlag.output)
    assert.ok(existsSync(join(project.dir, 'other', 'flag.sqlite3')), '--db wins and its folder is created')
    assert.ok(!existsSync(env.DATABASE_PATH))
    const viaEnv = await project.gulp(['migrate'], { env })
    assert.equal(viaEnv.code, 0, viaEnv.output)
    assert.ok(existsSync(env.DATABASE_PATH))
    assert.ok(!existsSync(project.dbPath), 'the default is used only without --db and DATABASE_PATH')
    const viaGulpfile = await project.gulp(['migrate:apply'])
    assert.equal(viaGulpfile.code, 0, viaGulpfile.output)
    assert.deepEqual(project.recorded(), ['001_first.ts'], 'then the gulpfile: data/app.sqlite3')
  })
})
