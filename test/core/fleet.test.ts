/** The decisions of a fleet run: who may start under the roll-out policy, and what the results add up to. */
import { strict as assert } from 'node:assert'
import { FleetScheduler, summarizeFleet, summarizeVersions, type FleetPolicy } from '../../tasks/core/fleet'

/** Runs `outcomes` (one per database, in order) with `lanes` at a time; returns the ones that were started. */
function simulate(policy: FleetPolicy, outcomes: Array<'migrated' | 'failed'>, lanes: number): number[] {
  const scheduler = new FleetScheduler(policy)
  const running: Array<{ index: number; canary: boolean }> = []
  const started: number[] = []
  for (let index = 0; index < outcomes.length; index++) {
    while (running.length > 0 && (running.length === lanes || !scheduler.canStart())) {
      const done = running.shift() as { index: number; canary: boolean }
      scheduler.finish(outcomes[done.index], done.canary)
    }
    if (scheduler.stopped) continue
    running.push({ index, canary: scheduler.nextIsCanary() })
    scheduler.start()
    started.push(index)
  }
  return started
}

describe('core/fleet', () => {
  const ok = (n: number) => Array<'migrated'>(n).fill('migrated')

  it('starts every database when all succeed, whatever the policy', async () => {
    for (const policy of [
      { canary: 0, continueOnError: false },
      { canary: 3, continueOnError: false },
      { canary: 2, continueOnError: true },
    ])
      assert.deepEqual(simulate(policy, ok(6), 2), [0, 1, 2, 3, 4, 5])
  })

  it('stops starting new databases after the first failure; the running ones finish', async () => {
    assert.deepEqual(simulate({ canary: 0, continueOnError: false }, ['migrated', 'failed', 'migrated', 'migrated', 'migrated'], 1), [0, 1])
    assert.deepEqual(simulate({ canary: 0, continueOnError: true }, ['migrated', 'failed', 'migrated', 'migrated'], 1), [0, 1, 2, 3])
  })

  it('runs the canaries alone: nothing else starts until they all finished, and nothing at all after one failed', async () => {
    const scheduler = new FleetScheduler({ canary: 2, continueOnError: true })
    scheduler.start()
    scheduler.start()
    assert.equal(scheduler.canStart(), false, 'a third waits for both canaries')
    scheduler.finish('migrated', true)
    assert.equal(scheduler.canStart(), false)
    scheduler.finish('failed', true)
    assert.deepEqual([scheduler.canStart(), scheduler.stopped], [false, true], 'even with continueOnError')
    assert.deepEqual(simulate({ canary: 2, continueOnError: true }, ['migrated', 'failed', 'migrated', 'migrated'], 4), [0, 1])
  })

  it('adds up the outcomes', async () => {
    assert.deepEqual(summarizeFleet(['migrated', 'up-to-date', 'failed', 'not-started', 'migrated'], 12), {
      operation: 'apply',
      total: 5,
      migrated: 2,
      rolledBack: 0,
      rehearsed: 0,
      upToDate: 1,
      failed: 1,
      notStarted: 1,
      durationMs: 12,
    })
  })

  it('groups databases by version, most common first, and lists the drifted and the unreadable', async () => {
    const v = summarizeVersions([
      { database: 'a', lastApplied: '002_b', pending: 0, drifted: [] },
      { database: 'b', lastApplied: '001_a', pending: 1, drifted: [] },
      { database: 'c', lastApplied: '002_b', pending: 0, drifted: ['001_a'] },
      { database: 'd', lastApplied: null, pending: 2, drifted: [] },
      { database: 'e', lastApplied: null, pending: 0, drifted: [], error: 'not a database' },
    ])
    assert.deepEqual(v.versions, [
      { lastApplied: '002_b', databases: 2, behind: 0 },
      { lastApplied: '001_a', databases: 1, behind: 1 },
      { lastApplied: null, databases: 1, behind: 2 },
    ])
    assert.deepEqual(
      [v.total, v.upToDate, v.behind, v.drifted.map((d) => d.database), v.unreadable.map((d) => d.database)],
      [5, 1, 2, ['c'], ['e']],
    )
  })
})
