/** Drift between the files and the database stops `gulp migrate` before anything is applied. */
import { strict as assert } from 'node:assert'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TestProject, dumpDatabase } from '../helpers/project'

describe('gulp migrate: drift', function () {
  this.timeout(120_000)
  let project: TestProject
  beforeEach(async () => {
    project = new TestProject('drift')
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER)')
    project.migration('003_third.ts', 'CREATE TABLE third (id INTEGER)')
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
  })
  afterEach(() => project.remove())

  it('stops on an applied migration whose source changed, and migrate:repair accepts it', async () => {
    project.migration('001_first.ts', 'CREATE TABLE first (id INTEGER, edited TEXT)')
    project.migration('004_fourth.ts', 'CREATE TABLE fourth (id INTEGER)')
    const before = dumpDatabase(project.dbPath)
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(
      run.output,
      /Nothing was applied: the migration files and the database disagree\. migrations\/001_first\.ts changed after it was applied\. Restore the applied version .*`gulp migrate:repair`/,
    )
    assert.equal(dumpDatabase(project.dbPath), before, 'nothing applied, not even 004')

    const repair = await project.gulp(['migrate:repair'])
    assert.equal(repair.code, 0, repair.output)
    assert.match(repair.output, /Accepted the current source of 001_first/)
    const again = await project.gulp(['migrate'])
    assert.equal(again.code, 0, again.output)
    assert.match(again.output, /Applied 004_fourth/)
    assert.doesNotMatch(again.output, /Applied 001_first/, 'a repaired migration is not run again')
  })

  it('does not count a change of line endings as an edit', async () => {
    const path = join(project.migrationsDir, '001_first.ts')
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'))
    const run = await project.gulp(['migrate'])
    assert.equal(run.code, 0, run.output)
    assert.match(run.output, /Database is up to date/)
  })

  it('stops on a recorded migration whose file is gone, unless --allow-missing', async () => {
    rmSync(join(project.migrationsDir, '003_third.ts'))
    project.migration('004_fourth.ts', 'CREATE TABLE fourth (id INTEGER)')
    const before = dumpDatabase(project.dbPath)
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(run.output, /003_third is recorded as applied but the file is gone\. Restore the file, or run with --allow-missing/)
    assert.equal(dumpDatabase(project.dbPath), before)
    const allowed = await project.gulp(['migrate', '--allow-missing'])
    assert.equal(allowed.code, 0, allowed.output)
    assert.match(allowed.output, /Applied 004_fourth/)
  })

  it('stops on a pending migration that sorts before the newest applied one, unless --allow-out-of-order', async () => {
    project.migration('002_from_other_branch.ts', 'CREATE TABLE second (id INTEGER)')
    const before = dumpDatabase(project.dbPath)
    const run = await project.gulp(['migrate'])
    assert.notEqual(run.code, 0)
    assert.match(
      run.output,
      /migrations\/002_from_other_branch\.ts is pending but sorts before the newest applied migration \(usually the result of merging two branches\)\. Rename it .* or run with --allow-out-of-order/,
    )
    assert.equal(dumpDatabase(project.dbPath), before)
    const allowed = await project.gulp(['migrate', '--allow-out-of-order'])
    assert.equal(allowed.code, 0, allowed.output)
    assert.match(allowed.output, /Applied 002_from_other_branch/)
  })
})
