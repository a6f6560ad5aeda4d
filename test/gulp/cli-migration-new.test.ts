/**
 * `gulp migration:new` run in this process as gulp runs it: what it writes, and what it refuses. `npx`, the
 * npm alias and the printed error are in test/e2e/migration-new.test.ts.
 */
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { TestProject } from '../helpers/project'
import { taskError, taskOutput } from '../helpers/tasks'

describe('gulp migration:new (in process)', () => {
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('cli-new')
  })
  afterEach(() => project.remove())

  const files = () => readdirSync(project.migrationsDir).filter((f) => f !== 'tsconfig.json')

  it('gives two migrations created in the same second distinct, ordered timestamps', async () => {
    await taskOutput(project, 'migration:new', ['--name=first'])
    await taskOutput(project, 'migration:new', ['--name=second'])
    const [first, second] = files().sort()
    assert.match(first, /^\d{14}_first\.ts$/)
    assert.match(second, /^\d{14}_second\.ts$/)
    assert.ok(first.slice(0, 14) < second.slice(0, 14), `${first} < ${second}`)
  })

  for (const name of ['', 'Bad Name', '../evil', 'a/b', 'UPPER', 'x'.repeat(101)]) {
    it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}… (${name.length})` : name)} and writes nothing`, async () => {
      const error = await taskError(project, 'migration:new', [`--name=${name}`])
      assert.equal(error.plugin, 'gulp-sqlite-migrate')
      assert.equal(error.showStack, false)
      assert.match(error.message, /snake_case words of lowercase letters and digits/)
      assert.doesNotMatch(error.message, /\n/, 'one line')
      assert.deepEqual(files(), [])
    })
  }

  it('--sql writes a .sql migration from the SQL template, which migrate compiles and applies as it is', async () => {
    const created = await taskOutput(project, 'migration:new', ['--name=add_tags', '--sql'])
    const [file] = files()
    assert.match(file, /^\d{14}_add_tags\.sql$/)
    assert.match(created, new RegExp(`Created .*${file}`))
    const template = readFileSync(join(project.migrationsDir, file), 'utf8')
    assert.match(template, /^-- migrate:up$/m)
    assert.match(template, /^-- migrate:down$/m)
    writeFileSync(
      join(project.migrationsDir, file),
      template.replace('-- migrate:up\n', '-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n'),
    )
    const migrated = await taskOutput(project, 'migrate')
    assert.match(migrated, /Applied 1 migration/)
    const db = new Database(project.dbPath, { readonly: true })
    try {
      assert.deepEqual(db.prepare('SELECT name FROM migrations').pluck().all(), [file])
      assert.ok(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'tags'`).get())
    } finally {
      db.close()
    }
  })

  it('refuses a missing --name', async () => {
    const error = await taskError(project, 'migration:new')
    assert.equal(error.showStack, false)
    assert.match(error.message, /A migration name is required/)
    assert.deepEqual(files(), [])
  })
})
