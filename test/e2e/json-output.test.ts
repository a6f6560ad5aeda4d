/**
 * Machine-readable output: `--json --silent` gives stdout that a script parses without filtering, for status,
 * check, migrate and down, failures included; times are ISO 8601 in UTC; piped output has no ANSI escape.
 */
import { strict as assert } from 'node:assert'
import { compileFixtures, compiledProject, sqlFixture } from '../helpers/fixtures'
import type { TestProject } from '../helpers/project'

const USERS = sqlFixture('CREATE TABLE users (id INTEGER PRIMARY KEY)', 'DROP TABLE users')
const POSTS = sqlFixture('CREATE TABLE posts (id INTEGER PRIMARY KEY)', 'DROP TABLE posts')

describe('gulp --json --silent: output for scripts', function () {
  this.timeout(120_000)
  let project: TestProject
  before(async () => {
    // Compiled once for the whole run (test/helpers/fixtures.ts): a cold compile in a gulp process costs seconds.
    await compileFixtures()
    project = await compiledProject('json', { '001_users.ts': USERS, '002_posts.ts': POSTS })
  })
  after(() => project.remove())

  const json = async (args: string[], expectedCode = 0) => {
    const run = await project.gulp([...args, '--json', '--silent'])
    assert.equal(run.code, expectedCode, run.output)
    assert.ok(!run.stdout.includes('\u001b') && !run.stderr.includes('\u001b'), 'no ANSI escape in piped output')
    return JSON.parse(run.stdout) as Record<string, unknown>
  }

  it('migrate, status, check and down each print one JSON document on stdout', async () => {
    const migrated = (await json(['migrate'])) as { results: Array<{ id: string; outcome: string }> }
    assert.deepEqual(
      migrated.results.map((r) => [r.id, r.outcome]),
      [
        ['001_users', 'applied'],
        ['002_posts', 'applied'],
      ],
    )
    const status = (await json(['migrate:status'])) as { migrations: Array<{ id: string; state: string; appliedAt: string }> }
    assert.equal(status.migrations.length, 2)
    assert.match(status.migrations[0].appliedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'ISO 8601, UTC')
    assert.ok(Math.abs(Date.parse(status.migrations[0].appliedAt) - Date.now()) < 120_000, 'read as UTC by Date.parse')
    const check = (await json(['migrate:check'])) as { exitCode: number; problems: unknown[] }
    assert.deepEqual([check.exitCode, check.problems], [0, []])
    const down = (await json(['migrate:down'])) as { results: Array<{ id: string; outcome: string }> }
    assert.deepEqual(down.results, [{ ...down.results[0], id: '002_posts', outcome: 'reverted' }])
    const pending = (await json(['migrate:check'], 10)) as { exitCode: number }
    assert.equal(pending.exitCode, 10)
  })

  it('a failure is JSON on stdout too, with its typed problem', async () => {
    const failed = (await json(['migrate:down', '--step=9'], 1)) as { error: { code: string; problem: { kind: string }; message: string } }
    assert.equal(failed.error.problem.kind, 'step-too-large')
    assert.match(failed.error.message, /^--step=9 but only/)
  })
})
