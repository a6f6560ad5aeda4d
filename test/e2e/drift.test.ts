/**
 * Drift between the files and the database stops `gulp migrate` before anything is applied: the exit code, the
 * one-line message and `gulp migrate:repair` as a user meets them. Every test starts from a copy of one migrated
 * project; a file missing or out of order, and their flags, are tested in process in
 * test/gulp/cli-drift.test.ts.
 */
import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { addCompiled, compileFixtures, compiledProject, sqlFixture } from '../helpers/fixtures'
import { TestProject, dumpDatabase } from '../helpers/project'

const FIRST = sqlFixture('CREATE TABLE first (id INTEGER)')
const FIRST_EDITED = sqlFixture('CREATE TABLE first (id INTEGER, edited TEXT)')
const THIRD = sqlFixture('CREATE TABLE third (id INTEGER)')
const FOURTH = sqlFixture('CREATE TABLE fourth (id INTEGER)')

describe('gulp migrate: drift', function () {
  this.timeout(120_000)
  /** 001_first and 003_third, compiled and applied. */
  let migrated: TestProject
  let project: TestProject
  before(async () => {
    await compileFixtures()
    migrated = await compiledProject('drift', { '001_first.ts': FIRST, '003_third.ts': THIRD })
    const run = await migrated.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
  })
  after(() => migrated.remove())
  beforeEach(() => {
    project = migrated.clone('drift')
  })
  afterEach(() => project.remove())

  it('stops on an applied migration whose source changed, and migrate:repair accepts it', async () => {
    // Edited and compiled (as by `gulp migrate:build`), with a new migration after it.
    await addCompiled(project, { '001_first.ts': FIRST_EDITED, '004_fourth.ts': FOURTH })
    const before = dumpDatabase(project.dbPath)
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(
      run.output,
      /Nothing was applied: the migration files and the database disagree\. migrations\/001_first\.ts changed after it was applied\. Restore the applied version .*`gulp migrate:repair`/,
    )
    assert.doesNotMatch(run.output, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace')
    assert.equal(dumpDatabase(project.dbPath), before, 'nothing applied, not even 004')

    const repair = await project.gulp(['migrate:repair'])
    assert.equal(repair.code, 0, repair.output)
    assert.match(repair.output, /Accepted the current source of 001_first/)
    const again = await project.gulp(['migrate'])
    assert.equal(again.code, 0, again.output)
    assert.match(again.output, /Applied 004_fourth/)
    assert.doesNotMatch(again.output, /Applied 001_first/, 'a repaired migration is not run again')
    assert.deepEqual(project.recorded(), ['001_first.ts', '003_third.ts', '004_fourth.ts'])
  })

  it('does not count a change of line endings as an edit', async () => {
    const path = join(project.migrationsDir, '001_first.ts')
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'))
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    assert.match(run.output, /Database is up to date/)
  })
})
