/**
 * Rollback limits and --baseline, run in this process as gulp runs them (real files, real SQLite). The other
 * operating tasks, as a user meets them on the command line, are in test/e2e/operations.test.ts.
 */
import { strict as assert } from 'node:assert'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { compileFixtures, compiledProject, sqlFixture } from '../helpers/fixtures'
import { dumpDatabase, type TestProject } from '../helpers/project'
import { taskError, taskOutput } from '../helpers/tasks'

const MIGRATIONS = {
  '001_users.ts': sqlFixture('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 'DROP TABLE users'),
  '002_posts.ts': sqlFixture('CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE posts'),
  '003_tags.ts': sqlFixture('CREATE TABLE tags (id INTEGER PRIMARY KEY)', 'DROP TABLE tags'),
}

describe('gulp migrate: operating tasks (in process)', () => {
  let project: TestProject
  before(compileFixtures)
  beforeEach(async () => {
    project = await compiledProject('cli-operations', MIGRATIONS)
  })
  afterEach(() => project.remove())

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
