/**
 * Bad input gets a clear error, a non-zero exit and an unchanged database (a full dump before and after),
 * never a bare stack trace.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, TestProject, dumpDatabase, type GulpRun } from '../helpers/project'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0

/** Root ignores file permissions, so read-only cases run the child as `nobody` when the tests run as root. */
function nobodyCanReadRepo(): boolean {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(REPO, 'node_modules', 'better-sqlite3'))})`], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: '/',
  })
  return probe.status === 0
}

describe('gulp migrate: bad input', function () {
  this.timeout(120_000)
  let project: TestProject
  let before: string

  beforeEach(async () => {
    project = new TestProject('bad')
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    before = dumpDatabase(project.dbPath)
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
    assert.equal(dumpDatabase(dbPath), before, 'the database is unchanged')
  }

  const migration = (file: string, source: string) => () => {
    project.write(file, source)
  }

  const cases: Array<[string, () => void, RegExp]> = [
    [
      'a module whose up is not a function',
      migration('002_number.ts', 'export const up = 42\n'),
      /002_number\.ts is not a valid migration: it must export a function `up\(db\)` \(found number\)/,
    ],
    [
      'a module that throws when loaded',
      migration('002_throws.ts', `throw new Error('cannot load me')\nexport const up = () => undefined\n`),
      /Migration migrations\/002_throws\.ts threw while loading: cannot load me/,
    ],
    ['a syntax error', migration('002_syntax.ts', 'export const up = (db => {\n'), /migrations\/002_syntax\.ts:\d+:\d+ - error TS1005/],
    [
      'a type error',
      migration('002_type.ts', `export const up = (): void => {\n  const n: number = 'x'\n}\n`),
      /migrations\/002_type\.ts:2:9 - error TS2322/,
    ],
    [
      'up returning a rejected promise',
      migration(
        '002_reject.ts',
        `export const up = async (db: import('better-sqlite3').Database) => {\n  db.exec('CREATE TABLE second (id INTEGER)')\n  return Promise.reject(new Error('rejected on purpose'))\n}\n`,
      ),
      /Migration migrations\/002_reject\.ts failed: rejected on purpose/,
    ],
    [
      'up throwing a non-Error value',
      migration(
        '002_string.ts',
        `export const up = (db: import('better-sqlite3').Database) => {\n  db.exec('CREATE TABLE second (id INTEGER)')\n  throw 'a plain string'\n}\n`,
      ),
      /Migration migrations\/002_string\.ts failed: a plain string/,
    ],
    [
      'two files whose names differ only by case',
      () => {
        project.migration('002_Second.ts', 'CREATE TABLE second (id INTEGER)')
        project.migration('002_second.ts', 'CREATE TABLE second (id INTEGER)')
      },
      /Two migration files have the same name apart from case or extension: 002_Second\.ts and 002_second\.ts/,
    ],
    [
      'two files whose names differ only by extension',
      () => {
        project.migration('002_second.ts', 'CREATE TABLE second (id INTEGER)')
        writeFileSync(join(project.migrationsDir, '002_second.js'), 'exports.up = () => undefined\n')
      },
      /Two migration files have the same name apart from case or extension: 002_second\.js and 002_second\.ts/,
    ],
  ]

  for (const [label, arrange, message] of cases) {
    it(`refuses ${label}`, async () => {
      arrange()
      project.migration('003_after.ts', 'CREATE TABLE after_it (id INTEGER)')
      assertRefused(await project.gulp(['migrate']), message)
    })
  }

  it('refuses an empty migrations folder', async () => {
    rmSync(join(project.migrationsDir, '001_first.ts'))
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
    assert.match(run.output, /Database path .*a-folder is a directory, not a file\. Point --db \(or DATABASE_PATH\) at a database file/)
  })

  describe('read-only', () => {
    beforeEach(function () {
      if (isRoot && !nobodyCanReadRepo()) this.skip() // the checkout is not readable by `nobody`: cannot drop root here
    })

    async function asReadOnlyUser(args: string[]): Promise<GulpRun> {
      project.migration('002_second.ts', 'CREATE TABLE second (id INTEGER)')
      assert.equal((await project.gulp(['migrate:build'])).code, 0)
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
