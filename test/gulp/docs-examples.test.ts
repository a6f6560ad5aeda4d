/**
 * The SQL and helper examples of docs/writing-migrations.md, read from the Markdown when the test runs and applied
 * by the gulp tasks in this process: an edit that breaks one fails `npm test`. (The TypeScript migration examples
 * and the README's run in a packed consumer project: test/e2e/consumer.test.ts.)
 */
import { strict as assert } from 'node:assert'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { codeBlocks, type CodeBlock } from '../helpers/markdown'
import { REPO, TestProject } from '../helpers/project'
import { taskOutput } from '../helpers/tasks'

const WRITING = codeBlocks(join(REPO, 'docs', 'writing-migrations.md'))
const SQL = WRITING.filter((b) => b.lang === 'sql')
/** The helper example: blocks whose first line names the file they are (`// migrations/lib/timestamps.ts`). */
const NAMED = WRITING.filter((b) => /^\/\/ migrations\/\S+\.ts$/.test(b.code.split('\n')[0]))
const pathOf = (block: CodeBlock) => block.code.split('\n')[0].replace('// migrations/', '')
const HISTORIES = codeBlocks(join(REPO, 'docs', 'existing-histories.md')).filter((b) =>
  /^\/\/ migrations\/\S+\.ts$/.test(b.code.split('\n')[0]),
)

describe('docs/writing-migrations.md: the SQL and helper examples (in process)', function () {
  this.timeout(60_000)
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('docs-examples')
  })
  afterEach(() => project.remove())

  it('has the examples this test runs', async () => {
    assert.equal(SQL.length, 2, SQL.map((b) => `${b.file}:${b.line}`).join(', '))
    assert.deepEqual(NAMED.map(pathOf), ['lib/timestamps.ts', '20261126143654_add_post_timestamps.ts'])
  })

  it('apply as written: the dbmate sections, the unsafe opt-in, and a migration importing a helper', async () => {
    // What the examples expect to find: a posts table, and uptime-kuma's monitor table.
    project.write(
      '001_setup.sql',
      'CREATE TABLE posts (id INTEGER PRIMARY KEY);\nCREATE TABLE monitor (id INTEGER PRIMARY KEY, retry_interval INTEGER);\n',
    )
    SQL.forEach((block, i) => project.write(`00${i + 2}_docs_example.sql`, block.code))
    for (const block of NAMED) {
      mkdirSync(dirname(join(project.migrationsDir, pathOf(block))), { recursive: true })
      project.write(pathOf(block), block.code)
    }
    const output = await taskOutput(project, 'migrate')
    assert.match(output, /Applied 4 migrations/)
    assert.doesNotMatch(output, /not a migration/)
    assert.deepEqual(project.recorded(), [
      '001_setup.sql',
      '002_docs_example.sql',
      '003_docs_example.sql',
      '20261126143654_add_post_timestamps.ts',
    ])
    const db = project.open({ readonly: true })
    try {
      assert.ok(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'tags_label'`).get(), 'the tags example ran')
      const retry = db.prepare(`SELECT "notnull", dflt_value FROM pragma_table_info('monitor') WHERE name = 'retry_interval'`).get()
      assert.deepEqual(retry, { notnull: 1, dflt_value: '60' }, 'the unsafe example changed the column in place')
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
      assert.deepEqual(db.prepare(`SELECT name FROM pragma_table_info('posts')`).pluck().all(), ['id', 'created_at'])
    } finally {
      db.close()
    }
    assert.match(await taskOutput(project, 'migrate:check'), /up to date/)
  })

  it("docs/existing-histories.md: the TypeORM port's helper and migration verify, apply and roll back", async () => {
    assert.deepEqual(HISTORIES.map(pathOf), ['typeorm.ts', '1605085519544_SeasonStatus.ts'])
    for (const block of HISTORIES) project.write(pathOf(block), block.code)
    assert.match(await taskOutput(project, 'migrate:verify'), /Verified the down path of 1 migration/)
    const output = await taskOutput(project, 'migrate')
    assert.match(output, /Applied 1 migration/)
    assert.doesNotMatch(output, /not a migration/)
    assert.deepEqual(project.recorded(), ['1605085519544_SeasonStatus.ts'])
    assert.ok(project.tables().includes('season'))
    await taskOutput(project, 'migrate:down')
    assert.ok(!project.tables().includes('season'))
  })
})
