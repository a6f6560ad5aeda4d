/**
 * The flags of the operating tasks (--dry-run, --backup, --verbose, --quiet, --json, --step, --baseline), run in
 * this process as gulp runs them, on real files and real SQLite. Status, check and its exit codes, the npm alias,
 * redo and verify as a user meets them on the command line are in test/e2e/operations.test.ts.
 */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { addCompiled, compileFixtures, compiledProject, sqlFixture } from '../helpers/fixtures'
import { dumpDatabase, type TestProject } from '../helpers/project'
import { taskError, taskOutput } from '../helpers/tasks'

const MIGRATIONS = {
  '001_users.ts': sqlFixture('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 'DROP TABLE users'),
  '002_posts.ts': sqlFixture('CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE posts'),
  '003_tags.ts': sqlFixture('CREATE TABLE tags (id INTEGER PRIMARY KEY)', 'DROP TABLE tags'),
}
const MORE = sqlFixture('CREATE TABLE more (id INTEGER)', 'DROP TABLE more')
const VERBOSE = sqlFixture('CREATE TABLE verbose_one (id INTEGER)', 'DROP TABLE verbose_one')
const QUIET = sqlFixture('CREATE TABLE quiet_one (id INTEGER)', 'DROP TABLE quiet_one')

describe('gulp migrate: operating tasks (in process)', () => {
  let project: TestProject
  before(compileFixtures)
  beforeEach(async () => {
    project = await compiledProject('cli-operations', MIGRATIONS)
  })
  afterEach(() => project.remove())
  const sha = () => createHash('sha256').update(readFileSync(project.dbPath)).digest('hex')

  it('migrate --dry-run prints the plan, SQL and schema diff, and leaves the file byte for byte unchanged', async () => {
    await taskOutput(project, 'migrate', ['--to=002_posts'])
    await addCompiled(project, { '004_more.ts': MORE })
    const before = sha()
    const output = await taskOutput(project, 'migrate', ['--dry-run'])
    assert.equal(sha(), before)
    assert.match(output, /Dry run: would apply 2 migration\(s\): 003_tags, 004_more/)
    assert.match(output, /ok\s+003_tags \(\d+ ms\)\n.*CREATE TABLE tags \(id INTEGER PRIMARY KEY\)/)
    assert.match(output, /\+ table more: CREATE TABLE more \(id INTEGER\)/)
    assert.deepEqual(project.recorded(), ['001_users.ts', '002_posts.ts'])
  })

  it('migrate --backup backs the database up before applying, and names the file', async () => {
    await taskOutput(project, 'migrate', ['--to=002_posts'])
    const output = await taskOutput(project, 'migrate', ['--backup'])
    const match = /Backed up \S+\/data\/app\.sqlite3 to (\S+\/data\/app\.sqlite3\.\d{14}\.backup) before applying/.exec(output)
    assert.ok(match, output)
    const backup = new Database(match[1], { readonly: true })
    assert.deepEqual(backup.prepare('SELECT name FROM migrations ORDER BY id').pluck().all(), ['001_users.ts', '002_posts.ts'])
    backup.close()
    assert.deepEqual(project.recorded(), ['001_users.ts', '002_posts.ts', '003_tags.ts'])
    assert.doesNotMatch(await taskOutput(project, 'migrate', ['--backup']), /Backed up/, 'no backup when there is nothing to apply')
  })

  it('--verbose prints the SQL statements, --quiet only the summary, --json the results for scripts', async () => {
    await taskOutput(project, 'migrate', ['--to=002_posts'])
    await addCompiled(project, { '006_verbose.ts': VERBOSE, '007_quiet.ts': QUIET })
    const verbose = await taskOutput(project, 'migrate', ['--verbose', '--to=006_verbose'])
    assert.match(verbose, /\s{2}CREATE TABLE verbose_one \(id INTEGER\)/)
    assert.match(verbose, /Applied 006_verbose/)
    const quiet = await taskOutput(project, 'migrate', ['--quiet'])
    assert.doesNotMatch(quiet, /Applied 007_quiet/)
    assert.match(quiet, /Applied 1 migration in \d+ ms/)
    const json = JSON.parse(await taskOutput(project, 'migrate:down', ['--json'])) as {
      results: Array<{ id: string; direction: string; outcome: string }>
    }
    assert.deepEqual(
      json.results.map((r) => [r.id, r.direction, r.outcome]),
      [['007_quiet', 'down', 'reverted']],
    )
    assert.deepEqual(project.recorded(), ['001_users.ts', '002_posts.ts', '003_tags.ts', '006_verbose.ts'])
  })

  it('migrate:down refuses --step larger than what is applied, and rolls back nothing', async () => {
    await taskOutput(project, 'migrate', ['--to=002_posts'])
    const before = dumpDatabase(project.dbPath)
    const error = await taskError(project, 'migrate:down', ['--step=7'])
    assert.equal(error.plugin, 'gulp-sqlite-migrate')
    assert.equal(error.showStack, false)
    assert.match(error.message, /--step=7 but only 2 migration\(s\) are applied; nothing was rolled back/)
    assert.equal(dumpDatabase(project.dbPath), before)
    await taskOutput(project, 'migrate:down', ['--step=2'])
    assert.deepEqual(project.recorded(), [], 'the largest step that fits rolls back')
  })

  it('refuses a database with tables but no history, and --baseline=NAME adopts it', async () => {
    const legacy = join(project.dir, 'legacy.sqlite3')
    const db = new Database(legacy)
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE posts (id INTEGER PRIMARY KEY)')
    db.close()
    const before = dumpDatabase(legacy)
    const refused = await taskError(project, 'migrate:apply', [`--db=${legacy}`])
    assert.equal(refused.showStack, false)
    assert.match(refused.message, /legacy\.sqlite3 already has tables \(posts, users\) but no migration history/)
    assert.equal(dumpDatabase(legacy), before, 'nothing recorded')
    const adopted = await taskOutput(project, 'migrate:apply', [`--db=${legacy}`, '--baseline=002_posts'])
    assert.match(adopted, /Baseline: recorded 2 migrations as applied without running them \(002_posts\)/)
    assert.match(adopted, /Applied 003_tags/)
    const after = new Database(legacy, { readonly: true })
    assert.deepEqual(after.prepare('SELECT name FROM migrations ORDER BY id').pluck().all(), [
      '001_users.ts',
      '002_posts.ts',
      '003_tags.ts',
    ])
    assert.deepEqual(after.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tags'`).pluck().all(), ['tags'])
    after.close()
    assert.ok(!readdirSync(project.dir).includes('data'), 'the configured database was never touched')
  })
})
