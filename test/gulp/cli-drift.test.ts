/**
 * Drift the tasks refuse, and the flags that allow it, run in this process as gulp runs them (real files, real
 * SQLite). The command line of a drift refusal and of `gulp migrate:repair` is in test/e2e/drift.test.ts.
 */
import { strict as assert } from 'node:assert'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { addCompiled, compileFixtures, compiledProject, sqlFixture } from '../helpers/fixtures'
import { dumpDatabase, type TestProject } from '../helpers/project'
import { taskError, taskOutput } from '../helpers/tasks'

const FIRST = sqlFixture('CREATE TABLE first (id INTEGER)')
const SECOND = sqlFixture('CREATE TABLE second (id INTEGER)')
const THIRD = sqlFixture('CREATE TABLE third (id INTEGER)')
const FOURTH = sqlFixture('CREATE TABLE fourth (id INTEGER)')

describe('gulp migrate: drift (in process)', () => {
  /** 001_first and 003_third, compiled and applied. */
  let project: TestProject
  before(compileFixtures)
  beforeEach(async () => {
    project = await compiledProject('cli-drift', { '001_first.ts': FIRST, '003_third.ts': THIRD })
    await taskOutput(project, 'migrate')
  })
  afterEach(() => project.remove())

  it('stops on a recorded migration whose file is gone, unless --allow-missing', async () => {
    rmSync(join(project.migrationsDir, '003_third.ts'))
    await addCompiled(project, { '004_fourth.ts': FOURTH })
    const before = dumpDatabase(project.dbPath)
    const error = await taskError(project, 'migrate')
    assert.equal(error.showStack, false)
    assert.match(error.message, /003_third is recorded as applied but the file is gone\. Restore the file, or run with --allow-missing/)
    assert.equal(dumpDatabase(project.dbPath), before)
    const allowed = await taskOutput(project, 'migrate', ['--allow-missing'])
    assert.match(allowed, /Applied 004_fourth/)
    assert.deepEqual(project.recorded(), ['001_first.ts', '003_third.ts', '004_fourth.ts'])
  })

  it('stops on a pending migration that sorts before the newest applied one, unless --allow-out-of-order', async () => {
    await addCompiled(project, { '002_from_other_branch.ts': SECOND })
    const before = dumpDatabase(project.dbPath)
    const error = await taskError(project, 'migrate')
    assert.equal(error.showStack, false)
    assert.match(
      error.message,
      /migrations\/002_from_other_branch\.ts is pending but sorts before the newest applied migration \(usually the result of merging two branches\)\. Rename it .* or run with --allow-out-of-order/,
    )
    assert.equal(dumpDatabase(project.dbPath), before)
    const allowed = await taskOutput(project, 'migrate', ['--allow-out-of-order'])
    assert.match(allowed, /Applied 002_from_other_branch/)
    assert.deepEqual(project.recorded(), ['001_first.ts', '003_third.ts', '002_from_other_branch.ts'])
  })
})
