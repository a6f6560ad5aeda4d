/** CI runs the benchmark at a smoke size only: it must run end to end and report every scenario and target. */
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { REPO, run } from './helpers/project'

describe('bench (smoke size)', function () {
  this.timeout(300_000)

  it('runs every scenario of our tool and the floors, and prints ratios and targets', async () => {
    const result = await run(process.execPath, ['-r', 'sucrase/register/ts', join(REPO, 'bench', 'run.ts'), '--smoke'], { cwd: REPO })
    assert.equal(result.code, 0, result.output)
    for (const scenario of [
      /apply 5 pending/,
      /no-op: 5 applied/,
      /fresh clone: compile \+ apply 5/,
      /one edited migration of 5/,
      /createMigratedDatabase\(\) with 5/,
      /watch: save a new migration/,
    ]) {
      assert.match(result.output, scenario)
    }
    assert.match(result.output, /ours \/ this = \d+\.\d\dx/)
    assert.match(result.output, /Targets\n/)
  })
})
