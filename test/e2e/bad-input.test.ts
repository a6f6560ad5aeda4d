/**
 * Bad input gets a clear error, a non-zero exit and an unchanged database (a full dump before and after),
 * never a bare stack trace. Every test starts from a copy of one migrated project (sources, compiled output,
 * database), and its bad migrations are compiled once for the whole run (test/helpers/fixtures.ts), so no
 * test pays for a TypeScript compile. Compiler errors are in test/e2e/migrate.test.ts; a non-Error thrown by
 * `up` is reported as the runner tests show (test/api/runner.test.ts).
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { addCompiled, compileFixtures, compiledProject, fixture, sqlFixture, type Fixture } from '../helpers/fixtures'
import { REPO, TestProject, dumpDatabase, type GulpRun } from '../helpers/project'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0

/** Root ignores file permissions, so read-only cases run the child as `nobody` when the tests run as root. */
let nobodyCanRead: boolean | undefined
function nobodyCanReadRepo(): boolean {
  if (nobodyCanRead !== undefined) return nobodyCanRead
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(REPO, 'node_modules', 'better-sqlite3'))})`], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: '/',
  })
  nobodyCanRead = probe.status === 0
  return nobodyCanRead
}

const FIRST = sqlFixture('CREATE TABLE first (id INTEGER)')
const SECOND = sqlFixture('CREATE TABLE second (id INTEGER)')
const AFTER = sqlFixture('CREATE TABLE after_it (id INTEGER)')

describe('gulp migrate: bad input', function () {
  this.timeout(120_000)
  /** The starting state of every test: 001_first compiled and applied. */
  let migrated: TestProject
  let project: TestProject
  let snapshot: string

  before(async () => {
    await compileFixtures()
    migrated = await compiledProject('bad', { '001_first.ts': FIRST, '003_after.ts': AFTER })
    const run = await migrated.gulp(['migrate', '--to=001_first'])
    assert.equal(run.code, 0, run.output)
    snapshot = dumpDatabase(migrated.dbPath)
  })
  after(() => migrated.remove())

  beforeEach(() => {
    project = migrated.clone('bad')
  })
  afterEach(() => {
    try {
      chmodSync(project.dir, 0o755)
      chmodSync(join(project.dir, 'data'), 0o755)
    } catch {
      // not changed by this test
    }
    project.remove()
  })

  function assertRefused(run: GulpRun, message: RegExp, dbPath = project.dbPath): void {
    assert.notEqual(run.code, 0, run.output)
    assert.match(run.output, message)
    assert.doesNotMatch(run.output, /\n\s+at .*\(.*:\d+:\d+\)/, `no stack trace:\n${run.output}`)
    assert.equal(dumpDatabase(dbPath), snapshot, 'the database is unchanged')
  }

  const cases: Array<[string, string, Fixture, RegExp]> = [
    [
      'a module whose up is not a function',
      '002_number.ts',
      fixture('export const up = 42\n'),
      /002_number\.ts is not a valid migration: it must export a function `up\(db\)` \(found number\)/,
    ],
    [
      'a module that throws when loaded',
      '002_throws.ts',
      fixture(`throw new Error('cannot load me')\nexport const up = () => undefined\n`),
      /Migration migrations\/002_throws\.ts threw while loading: cannot load me/,
    ],
    [
      'up returning a rejected promise',
      '002_reject.ts',
      fixture(
        `export const up = async (db: import('better-sqlite3').Database) => {\n  db.exec('CREATE TABLE second (id INTEGER)')\n  return Promise.reject(new Error('rejected on purpose'))\n}\n`,
      ),
      /Migration migrations\/002_reject\.ts failed: rejected on purpose/,
    ],
  ]
  for (const [label, file, source, message] of cases) {
    it(`refuses ${label}`, async () => {
      await addCompiled(project, { [file]: source })
      const run = await project.gulp(['migrate'])
      assertRefused(run, message)
      assert.doesNotMatch(run.output, /Compiled/, 'compiled before the test (the fixture)')
    })
  }

  it('refuses two files whose names differ only by case', async () => {
    project.migration('002_Second.ts', 'CREATE TABLE second (id INTEGER)')
    project.migration('002_second.ts', 'CREATE TABLE second (id INTEGER)')
    assertRefused(
      await project.gulp(['migrate']),
      /Two migration files have the same name apart from case or extension: 002_Second\.ts and 002_second\.ts/,
    )
  })

  it('refuses two files whose names differ only by extension', async () => {
    project.migration('002_second.ts', 'CREATE TABLE second (id INTEGER)')
    writeFileSync(join(project.migrationsDir, '002_second.js'), 'exports.up = () => undefined\n')
    assertRefused(
      await project.gulp(['migrate']),
      /Two migration files have the same name apart from case or extension: 002_second\.js and 002_second\.ts/,
    )
  })

  it('refuses an empty migrations folder', async () => {
    for (const file of ['001_first.ts', '003_after.ts']) rmSync(join(project.migrationsDir, file))
    assertRefused(await project.gulp(['migrate']), /No migrations in migrations\. Create one with `gulp migration:new --name=NAME`/)
  })

  it('refuses a missing migrations folder', async () => {
    rmSync(project.migrationsDir, { recursive: true })
    assertRefused(
      await project.gulp(['migrate']),
      /The migrations folder migrations does not exist\. Create a migration with `gulp migration:new --name=NAME`/,
    )
  })

  it('refuses a file that is not a database', async () => {
    const notDb = join(project.dir, 'notes.txt')
    writeFileSync(notDb, 'these are my notes, not a database\n'.repeat(100))
    const run = await project.gulp(['migrate', `--db=${notDb}`])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /notes\.txt is not a SQLite database \(file is not a database\)\. Check --db \/ DATABASE_PATH/)
    assert.equal(require('node:fs').readFileSync(notDb, 'utf8'), 'these are my notes, not a database\n'.repeat(100))
  })

  it('refuses a database path that is a folder', async () => {
    mkdirSync(join(project.dir, 'a-folder'))
    const run = await project.gulp(['migrate', '--db=a-folder'])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /Database path .*a-folder is a directory, not a file\. Point --db \/ DATABASE_PATH at a database file/)
  })

  describe('read-only', () => {
    beforeEach(function () {
      if (isRoot && !nobodyCanReadRepo()) this.skip() // the checkout is not readable by `nobody`: cannot drop root here
    })

    async function asReadOnlyUser(args: string[]): Promise<GulpRun> {
      await addCompiled(project, { '002_second.ts': SECOND })
      return project.gulp(args, isRoot ? { uid: NOBODY, gid: NOBODY, env: { HOME: project.dir } } : {})
    }

    it('refuses a read-only database file', async () => {
      chmodSync(project.dbPath, 0o444)
      if (isRoot) chownSync(join(project.dir, 'data'), NOBODY, NOBODY) // the folder is writable, the file is not
      assertRefused(
        await asReadOnlyUser(['migrate:apply']),
        /Database .*app\.sqlite3 is read-only \(attempt to write a readonly database\); nothing was changed\. Make the file and its folder writable/,
      )
    })

    it('refuses a database in a read-only folder', async () => {
      if (isRoot) chownSync(project.dbPath, NOBODY, NOBODY) // the file is writable, its folder is not
      chmodSync(join(project.dir, 'data'), 0o555)
      const run = await asReadOnlyUser(['migrate:apply'])
      assertRefused(run, /Database .*app\.sqlite3 (is read-only|cannot be opened)|Cannot open database .*app\.sqlite3/)
    })
  })
})
