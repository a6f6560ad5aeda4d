/** One problem, two vocabularies: the API names options, the command line names flags and gulp tasks. */
import { strict as assert } from 'node:assert'
import { describeProblem } from '../../tasks/problem-messages'
import type { Problem } from '../../tasks/problems'
import { cliWording } from '../../tasks/gulp/wording'

describe('gulp/wording', () => {
  const drift: Problem = { kind: 'drift', changed: ['m/001_a.ts'], missing: ['002_b'], outOfOrder: [] }

  it('words options as flags and commands as gulp tasks, with the task prefix', async () => {
    assert.match(
      describeProblem({ kind: 'step-too-large', step: 5, applied: 2 }, cliWording()),
      /^--step=5 but only 2 .* Use --all to roll back everything\.$/,
    )
    assert.match(
      describeProblem(drift, cliWording('db:')),
      /accept the new content with `gulp db:migrate:repair`.*run with --allow-missing/,
    )
    assert.match(describeProblem({ kind: 'not-a-database', database: 'x', cause: 'c' }, cliWording()), /Check --db \/ DATABASE_PATH/)
  })

  it('words the same problems for the API without flags', async () => {
    const api = describeProblem({ kind: 'step-too-large', step: 5, applied: 2 })
    assert.match(api, /^`step: 5` but only 2/)
    assert.doesNotMatch(api + describeProblem(drift), /--|gulp /)
  })

  it('gives every kind of problem a one-line message (compile errors list one diagnostic a line)', async () => {
    const samples: Problem[] = [
      { kind: 'lease-held', holder: 'migration 001 in process 1 on h', busyTimeoutMs: 10 },
      { kind: 'cannot-roll-back', blockers: [{ file: 'a.ts', reason: 'no-down' }] },
      {
        kind: 'migration-failed',
        file: 'a.ts',
        direction: 'up',
        cause: 'boom',
        outcome: { ranOutsideTransaction: false, undone: 0, kept: 2 },
      },
      { kind: 'unknown-flag', flag: '--dryrun', task: 'migrate', suggestion: '--dry-run' },
    ]
    for (const p of samples) {
      const line = describeProblem(p, cliWording())
      assert.ok(!line.includes('\n') && line.length > 20, line)
    }
  })
})
