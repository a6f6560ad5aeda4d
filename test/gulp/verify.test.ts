/** gulp migrate:verify run in-process: every failing migration in one run, and the right sentence for each kind. */
import { strict as assert } from 'node:assert'
import { TestProject } from '../helpers/project'
import { taskError } from '../helpers/tasks'

describe('gulp migrate:verify', function () {
  this.timeout(60_000)
  let project: TestProject
  before(() => {
    project = new TestProject('verify')
    project.migration('001_users.ts', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)', 'DROP TABLE users')
    project.migration('002_seed.ts', "INSERT INTO users (email) VALUES ('a@example.com')")
    project.migration('003_posts.ts', 'CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE users')
    project.migration('004_tags.ts', 'CREATE TABLE tags (id INTEGER)', 'DROP TABLE tags')
  })
  after(() => project.remove())

  it('lists every migration, fails on the broken down and the one without a down, each worded for what it is', async () => {
    const error = await taskError(project, 'migrate:verify')
    assert.match(error.output, /ok {6}001_users\n/)
    assert.match(error.output, /no down 002_seed\n/)
    assert.match(
      error.output,
      /FAIL {4}003_posts\n.*down did not restore the schema[^]*table users: missing after down\n.*table posts: extra after down/,
    )
    assert.match(error.output, /ok {6}004_tags\n/)
    assert.equal(
      error.message,
      '1 migration does not roll back cleanly: 003_posts. Fix its down function (what went wrong is listed above). ' +
        '1 migration is without a down: 002_seed. Add a `down` (or a `-- migrate:down` section) to verify it, or accept that it cannot be rolled back.',
    )
  })
})
