/**
 * The operating tasks from the command line: status (and --json for scripts), check and its exit codes, the npm
 * alias of down, redo, verify. Every test starts from its own copy of a project migrated to a known state, so
 * each passes alone (`--grep`) and in any order. --dry-run, --backup, --verbose, --quiet, --json of down,
 * rollback limits and --baseline are tested in process in test/gulp/cli-operations.test.ts.
 */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { addCompiled, compileFixtures, compiledProject, fixture, sqlFixture } from '../helpers/fixtures'
import { REPO, TestProject, run } from '../helpers/project'

const USERS = sqlFixture('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 'DROP TABLE users')
const POSTS = sqlFixture('CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE posts')
const TAGS = sqlFixture('CREATE TABLE tags (id INTEGER PRIMARY KEY)', 'DROP TABLE tags')
const INDEX_WITH_BAD_DOWN = fixture(
  `export const up = (db: import('better-sqlite3').Database) => { db.exec('CREATE TABLE idx (id INTEGER); CREATE INDEX idx_id ON idx (id)') }\n` +
    `export const down = (db: import('better-sqlite3').Database) => { db.exec('DROP INDEX idx_id') }\n`,
)

describe('gulp migrate: operating tasks', function () {
  this.timeout(120_000)
  /** 001_users and 002_posts applied, 003_tags pending; schema.sql written. */
  let twoApplied: TestProject
  /** All three applied. */
  let allApplied: TestProject
  let project: TestProject
  const sha = () => createHash('sha256').update(readFileSync(project.dbPath)).digest('hex')
  const schemaFile = () => readFileSync(join(project.migrationsDir, 'schema.sql'), 'utf8')

  before(async () => {
    await compileFixtures()
    twoApplied = await compiledProject('operations', { '001_users.ts': USERS, '002_posts.ts': POSTS, '003_tags.ts': TAGS })
    const two = await twoApplied.gulp(['migrate', '--to=002_posts'])
    assert.equal(two.code, 0, two.output)
    allApplied = twoApplied.clone('operations')
    const all = await allApplied.gulp(['migrate:apply'])
    assert.equal(all.code, 0, all.output)
  })
  after(() => {
    twoApplied.remove()
    allApplied.remove()
  })
  afterEach(() => project.remove())

  it('migrate:status prints a table, and --json the same for scripts; exit 0 with pending', async () => {
    project = twoApplied.clone('operations')
    const text = await project.gulp(['migrate:status'])
    assert.equal(text.code, 0, text.output)
    assert.match(text.output, /Migration\s+State\s+Applied at \(UTC\)\s+Duration/)
    assert.match(text.output, /001_users\s+applied\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+ ms/)
    assert.match(text.output, /003_tags\s+pending/)
    assert.match(text.output, /2 applied, 1 pending/)
    const json = await project.gulp(['migrate:status', '--json', '--silent'])
    assert.equal(json.code, 0)
    const parsed = JSON.parse(json.stdout) as { migrations: Array<{ id: string; state: string; appliedAt: string | null }> }
    assert.deepEqual(
      parsed.migrations.map((m) => [m.id, m.state]),
      [
        ['001_users', 'applied'],
        ['002_posts', 'applied'],
        ['003_tags', 'pending'],
      ],
    )
  })

  it('migrate:check exits 10 while something is pending, 0 when up to date, 15 when schema.sql is stale', async () => {
    project = twoApplied.clone('operations')
    const pending = await project.gulp(['migrate:check'])
    assert.equal(pending.code, 10, pending.output)
    assert.match(pending.output, /migrate:check failed \(exit code 10\): pending: 003_tags/)
    assert.equal((await project.gulp(['migrate'])).code, 0)
    assert.match(schemaFile(), /CREATE TABLE tags/)
    const clean = await project.gulp(['migrate:check'])
    assert.equal(clean.code, 0, clean.output)
    writeFileSync(join(project.migrationsDir, 'schema.sql'), schemaFile().replace('tags', 'labels'))
    const stale = await project.gulp(['migrate:check'])
    assert.equal(stale.code, 15, stale.output)
    assert.match(stale.output, /schema\.sql does not match the database/)
  })

  it('`npm run db:rollback -- --step=2` rolls back the newest two and rewrites schema.sql', async () => {
    project = allApplied.clone('operations')
    const result = await run(
      'npm',
      ['run', 'db:rollback', '--', '--cwd', relative(REPO, project.dir), '--gulpfile', join(REPO, 'gulpfile.ts'), '--step=2'],
      { cwd: REPO },
    )
    assert.equal(result.code, 0, result.output)
    assert.match(result.output, /Rolled back 003_tags[^]*Rolled back 002_posts[^]*Rolled back 2 migrations/)
    assert.deepEqual(project.recorded(), ['001_users.ts'])
    assert.doesNotMatch(schemaFile(), /posts|tags/)
    assert.match(schemaFile(), /Last applied migration: 001_users/)
  })

  it('migrate:redo rolls back and re-applies the newest migration', async () => {
    project = allApplied.clone('operations')
    const db = project.open()
    db.exec('INSERT INTO tags (id) VALUES (1)')
    db.close()
    const result = await project.gulp(['migrate:redo'])
    assert.equal(result.code, 0, result.output)
    assert.match(result.output, /Rolled back 003_tags[^]*Applied 003_tags/)
    assert.deepEqual(project.recorded(), ['001_users.ts', '002_posts.ts', '003_tags.ts'])
    const after = project.open({ readonly: true })
    assert.equal(after.prepare('SELECT count(*) FROM tags').pluck().get(), 0, 'the table was dropped and created again')
    after.close()
  })

  it('migrate:verify fails with a readable diff on a down that does not undo its up, on a copy', async () => {
    project = twoApplied.clone('operations')
    await addCompiled(project, { '005_index.ts': INDEX_WITH_BAD_DOWN })
    const before = sha()
    const result = await project.gulp(['migrate:verify'])
    assert.notEqual(result.code, 0)
    assert.match(result.output, /FAIL {4}005_index\n.*down did not restore the schema[^]*table idx: extra after down/)
    assert.match(result.output, /1 migration does not roll back cleanly: 005_index/)
    assert.equal(sha(), before, 'verify works on a copy')
  })
})
