/** The planner is a pure function of files and recorded rows: checked on random histories with fast-check. */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { compareMigrationIds } from '../../tasks/core/migration-name'
import { planMigrations, type AvailableMigration, type RecordedMigration } from '../../tasks/core/plan'

const row = (name: string, checksum: string | null = 'c'): RecordedMigration => ({ name, checksum, appliedAt: '2026-01-01', durationMs: 1 })
const file = (id: string, checksum: string | null = 'c'): AvailableMigration => ({ id, checksum })

describe('core/plan', () => {
  it('plans every file as pending on a fresh database, in order', async () => {
    const plan = planMigrations([file('20261126120000_z'), file('001_a'), file('1000_y')], [])
    assert.deepEqual(plan.pending, ['001_a', '1000_y', '20261126120000_z'])
    assert.deepEqual(
      plan.entries.map((e) => e.state),
      ['pending', 'pending', 'pending'],
    )
  })

  it('matches recorded .ts names to compiled ids', async () => {
    const plan = planMigrations([file('001_a'), file('002_b')], [row('001_a.ts')])
    assert.deepEqual(plan.pending, ['002_b'])
    assert.equal(plan.entries[0].state, 'applied')
  })

  it('reports changed, missing and out-of-order migrations', async () => {
    const plan = planMigrations(
      [file('001_a', 'new'), file('002_late'), file('003_c')],
      [row('001_a.ts', 'old'), row('003_c.ts'), row('004_gone.ts')],
    )
    assert.deepEqual(plan.changed, ['001_a'])
    assert.deepEqual(plan.missing, ['004_gone'])
    assert.deepEqual(plan.outOfOrder, ['002_late'])
    assert.deepEqual(plan.pending, [], 'out-of-order migrations are not pending unless allowed')
    assert.deepEqual(planMigrations([file('002_late'), file('003_c')], [row('003_c.ts')], { allowOutOfOrder: true }).pending, ['002_late'])
  })

  it('asks to record checksums for rows adopted without one', async () => {
    const plan = planMigrations([file('001_a', 'abc')], [row('001_a.ts', null)])
    assert.deepEqual(plan.checksumsToRecord, [{ id: '001_a', checksum: 'abc' }])
    assert.deepEqual(plan.changed, [])
  })

  // Random histories: a set of ids, some applied (with a possibly different checksum), some files deleted.
  const history = fc
    .uniqueArray(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('a', 'b', 'c')), {
      minLength: 0,
      maxLength: 25,
      selector: ([n, s]) => `${n}_${s}`,
    })
    .chain((pairs) => {
      const ids = pairs.map(([n, s]) => `${String(n).padStart(3, '0')}_${s}`)
      return fc.tuple(
        fc.constant(ids),
        fc.array(
          fc.record({ applied: fc.boolean(), hasFile: fc.boolean(), edited: fc.boolean(), legacy: fc.boolean(), ts: fc.boolean() }),
          {
            minLength: ids.length,
            maxLength: ids.length,
          },
        ),
      )
    })

  it('partitions every known migration into exactly one state, consistently (property)', async () => {
    fc.assert(
      fc.property(history, fc.boolean(), ([ids, flags], allowOutOfOrder) => {
        const files: AvailableMigration[] = []
        const rows: RecordedMigration[] = []
        ids.forEach((id, i) => {
          const f = flags[i]
          if (f.hasFile || !f.applied) files.push(file(id, `sum-${id}${f.edited ? '-edited' : ''}`))
          if (f.applied) rows.push(row(f.ts ? `${id}.ts` : id, f.legacy ? null : `sum-${id}`))
        })
        const plan = planMigrations(files, rows, { allowOutOfOrder })
        const newestApplied = rows
          .map((r) => r.name.replace(/\.ts$/, ''))
          .sort(compareMigrationIds)
          .at(-1)

        assert.deepEqual(
          plan.entries.map((e) => e.id),
          [...ids].sort(compareMigrationIds),
          'every id once, in order',
        )
        for (const entry of plan.entries) {
          const i = ids.indexOf(entry.id)
          const f = flags[i]
          const expected = !f.applied
            ? newestApplied !== undefined && compareMigrationIds(entry.id, newestApplied) < 0
              ? 'out-of-order'
              : 'pending'
            : !f.hasFile
              ? 'missing'
              : f.edited && !f.legacy
                ? 'changed'
                : 'applied'
          assert.equal(entry.state, expected, entry.id)
        }
        // pending = pending entries, plus out-of-order ones when allowed; never anything recorded; sorted
        const expectedPending = plan.entries
          .filter((e) => e.state === 'pending' || (allowOutOfOrder && e.state === 'out-of-order'))
          .map((e) => e.id)
        assert.deepEqual(plan.pending, expectedPending)
        assert.deepEqual([...plan.pending].sort(compareMigrationIds), plan.pending)
        // applying the plan and planning again leaves nothing to do (idempotence)
        const after = planMigrations(files, [...rows, ...plan.pending.map((id) => row(id, `sum-${id}`))], { allowOutOfOrder })
        assert.deepEqual(after.pending, [])
        // planning does not depend on the order rows and files come in
        const shuffled = planMigrations([...files].reverse(), [...rows].reverse(), { allowOutOfOrder })
        assert.deepEqual(
          shuffled.entries.map((e) => [e.id, e.state]),
          plan.entries.map((e) => [e.id, e.state]),
        )
      }),
      { numRuns: 300 },
    )
  })
})
