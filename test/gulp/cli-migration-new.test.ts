/**
 * `gulp migration:new` run in this process as gulp runs it: what it writes, and what it refuses. `npx`, the
 * npm alias and the printed error are in test/e2e/migration-new.test.ts.
 */
import { strict as assert } from 'node:assert'
import { readdirSync } from 'node:fs'
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

  it('refuses a missing --name', async () => {
    const error = await taskError(project, 'migration:new')
    assert.equal(error.showStack, false)
    assert.match(error.message, /A migration name is required/)
    assert.deepEqual(files(), [])
  })
})
