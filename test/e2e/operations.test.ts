/** The operating tasks from the command line: status, check, down, redo, --to, --dry-run, verify, --backup, baseline. */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, TestProject, run } from '../helpers/project'

describe('gulp migrate: operating tasks', function () {
  this.timeout(120_000)
  let project: TestProject
  const sha = () => createHash('sha256').update(readFileSync(project.dbPath)).digest('hex')
  const schemaFile = () => readFileSync(join(project.migrationsDir, 'schema.sql'), 'utf8')

  before(async () => {
    project = new TestProject('operations')
    project.migration('001_users.ts', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 'DROP TABLE users')
    project.migration('002_posts.ts', 'CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE posts')
    project.migration('003_tags.ts', 'CREATE TABLE tags (id INTEGER PRIMARY KEY)', 'DROP TABLE tags')
    const first = await project.gulp(['migrate', '--to=002_posts'])
    assert.equal(first.code, 0, first.output)
  })
  after(() => project.remove())

  it('migrate:status prints a table, and --json the same for scripts; exit 0 with pending', async () => {
    const text = await project.gulp(['migrate:status'])
    assert.equal(text.code, 0, text.output)
    assert.match(text.output, /Migration\s+State\s+Applied at\s+Duration/)
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

  it('refuses --step larger than what is applied', async () => {
    const result = await project.gulp(['migrate:down', '--step=7'])
    assert.notEqual(result.code, 0)
    assert.match(result.output, /--step=7 but only 1 migration\(s\) are applied; nothing was rolled back/)
  })

  it('migrate --dry-run prints the plan, SQL and schema diff, and leaves the file byte for byte unchanged', async () => {
    const before = sha()
    const result = await project.gulp(['migrate', '--dry-run'])
    assert.equal(result.code, 0, result.output)
    assert.equal(sha(), before)
    assert.match(result.output, /Dry run: would apply 2 migration\(s\): 002_posts, 003_tags/)
    assert.match(result.output, /ok\s+002_posts \(\d+ ms\)\n.*CREATE TABLE posts \(id INTEGER PRIMARY KEY\)/)
    assert.match(result.output, /\+ table tags: CREATE TABLE tags \(id INTEGER PRIMARY KEY\)/)
    assert.deepEqual(project.recorded(), ['001_users.ts'])
  })

  it('migrate:redo rolls back and re-applies the newest migration', async () => {
    assert.equal((await project.gulp(['migrate'])).code, 0)
    const result = await project.gulp(['migrate:redo'])
    assert.equal(result.code, 0, result.output)
    assert.match(result.output, /Rolled back 003_tags[^]*Applied 003_tags/)
    assert.deepEqual(project.recorded(), ['001_users.ts', '002_posts.ts', '003_tags.ts'])
  })

  it('migrate --backup backs the database up before applying, and names the file', async () => {
    project.migration('004_more.ts', 'CREATE TABLE more (id INTEGER)', 'DROP TABLE more')
    const result = await project.gulp(['migrate', '--backup'])
    assert.equal(result.code, 0, result.output)
    const match = /Backed up data\/app\.sqlite3 to (data\/app\.sqlite3\.\d{14}\.backup) before applying/.exec(result.output)
    assert.ok(match, result.output)
    const backup = new Database(join(project.dir, match[1]), { readonly: true })
    assert.deepEqual(backup.prepare('SELECT name FROM migrations ORDER BY id').pluck().all(), [
      '001_users.ts',
      '002_posts.ts',
      '003_tags.ts',
    ])
    backup.close()
    const again = await project.gulp(['migrate', '--backup'])
    assert.doesNotMatch(again.output, /Backed up/, 'no backup when there is nothing to apply')
  })

  it('migrate:verify fails with a readable diff on a down that does not undo its up, on a copy', async () => {
    project.write(
      '005_index.ts',
      `export const up = (db: import('better-sqlite3').Database) => { db.exec('CREATE TABLE idx (id INTEGER); CREATE INDEX idx_id ON idx (id)') }\n` +
        `export const down = (db: import('better-sqlite3').Database) => { db.exec('DROP INDEX idx_id') }\n`,
    )
    const before = sha()
    const result = await project.gulp(['migrate:verify'])
    assert.notEqual(result.code, 0)
    assert.match(result.output, /FAIL 005_index\n.*down did not restore the schema[^]*\+ table idx: CREATE TABLE idx \(id INTEGER\)/)
    assert.match(result.output, /1 migration do not roll back cleanly: 005_index/)
    assert.equal(sha(), before, 'verify works on a copy')
  })

  it('--verbose prints the SQL statements, --quiet only the summary', async () => {
    project.migration('006_verbose.ts', 'CREATE TABLE verbose_one (id INTEGER)', 'DROP TABLE verbose_one')
    project.migration('007_quiet.ts', 'CREATE TABLE quiet_one (id INTEGER)', 'DROP TABLE quiet_one')
    const verbose = await project.gulp(['migrate', '--verbose', '--to=006_verbose'])
    assert.equal(verbose.code, 0, verbose.output)
    assert.match(verbose.output, /\s{2}CREATE TABLE verbose_one \(id INTEGER\)/)
    assert.match(verbose.output, /Applied 006_verbose/)
    const quiet = await project.gulp(['migrate', '--quiet'])
    assert.equal(quiet.code, 0, quiet.output)
    assert.doesNotMatch(quiet.output, /Applied 007_quiet/)
    assert.match(quiet.output, /Applied 1 migration in \d+ ms/)
    const json = await project.gulp(['migrate:down', '--json', '--silent'])
    assert.equal(json.code, 0, json.output)
    const result = JSON.parse(json.stdout) as { results: Array<{ id: string; direction: string; status: string }> }
    assert.deepEqual(
      result.results.map((r) => [r.id, r.direction, r.status]),
      [['007_quiet', 'down', 'reverted']],
    )
  })

  it('refuses a database with tables but no history, and --baseline=NAME adopts it', async () => {
    const other = join(project.dir, 'legacy.sqlite3')
    const db = new Database(other)
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE posts (id INTEGER PRIMARY KEY)')
    db.close()
    const refused = await project.gulp(['migrate:apply', `--db=${other}`])
    assert.notEqual(refused.code, 0)
    assert.match(refused.output, /legacy\.sqlite3 already has tables \(posts, users\) but no migration history/)
    const adopted = await project.gulp(['migrate:apply', `--db=${other}`, '--baseline=002_posts'])
    assert.equal(adopted.code, 0, adopted.output)
    assert.match(adopted.output, /Baseline: recorded 2 migrations as applied without running them \(002_posts\)/)
    assert.match(adopted.output, /Applied 003_tags/)
    assert.ok(readdirSync(project.dir).includes('legacy.sqlite3'))
  })
})
