/**
 * `gulp migration:new` and its npm alias, as real child processes. That a migration from the template compiles
 * and applies is shown by test/e2e/watch.test.ts; name rules and timestamps, run in process, by
 * test/gulp/cli-migration-new.test.ts.
 */
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { REPO, TestProject, run } from '../helpers/project'

describe('gulp migration:new', function () {
  this.timeout(60_000)
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('new')
  })
  afterEach(() => project.remove())

  const sources = () => readdirSync(project.migrationsDir).filter((f) => f.endsWith('.ts'))

  it('`npx gulp migration:new` writes a timestamped migration from the template', async () => {
    const before = new Date()
    const created = await project.gulp(['migration:new', '--name=add-user_table'], { npx: true })
    assert.equal(created.code, 0, created.output)
    const [file] = sources()
    assert.match(file, /^\d{14}_add_user_table\.ts$/, 'dashes become underscores')
    const stamp = file.slice(0, 14)
    const utc = before.toISOString().replace(/\D/g, '').slice(0, 8)
    assert.equal(stamp.slice(0, 8), utc, 'the date part is today in UTC')
    assert.match(created.output, new RegExp(`Created migrations/${file}`))
    const text = readFileSync(join(project.migrationsDir, file), 'utf8')
    assert.match(text, /import type \{ Migration \} from 'gulp-sqlite-migrate'/)
    assert.match(text, /export const up: Migration\['up'\] = \(db\) =>/)
    assert.match(text, /export const down: Migration\['down'\] = \(db\) =>/)
    assert.match(text, /db\.exec/)
    assert.match(text, /db\.prepare/)
  })

  it('refuses a bad name with one line, no stack trace, a non-zero exit, and writes nothing', async () => {
    const result = await project.gulp(['migration:new', '--name=../evil'])
    assert.notEqual(result.code, 0)
    assert.match(result.output, /snake_case words of lowercase letters and digits/)
    assert.doesNotMatch(result.output, /\n\s+at /, 'no stack trace')
    assert.deepEqual(readdirSync(project.migrationsDir), ['tsconfig.json'])
  })

  it('works as `npm run db:create-migration --name=x` (npm passes npm_config_name)', async () => {
    const result = await run('npm', ['run', 'db:create-migration', '--name=from_npm', '--', '--cwd', relative(REPO, project.dir)], {
      cwd: REPO,
    })
    assert.equal(result.code, 0, result.output)
    assert.match(sources()[0] ?? '', /^\d{14}_from_npm\.ts$/)
  })
})
