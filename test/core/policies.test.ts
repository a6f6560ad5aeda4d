/** The runner's policies as pure functions: drift, baseline, grouping into transactions, rollback selection. */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { decideBaseline } from '../../tasks/core/baseline'
import { driftProblem } from '../../tasks/core/drift'
import { planMigrations } from '../../tasks/core/plan'
import { selectOne, selectRollback } from '../../tasks/core/selection'
import { groupIntoUnits, type TransactionMode, type UnitMember } from '../../tasks/core/units'

const file = (id: string, checksum = 'c') => ({ id, checksum })
const row = (name: string, checksum: string | null = 'c') => ({ name, checksum, appliedAt: '2026-01-01', durationMs: 1 })

describe('core policies', () => {
  describe('drift', () => {
    const plan = planMigrations(
      [file('001_a', 'new'), file('002_b'), file('004_d')],
      [row('001_a.ts', 'old'), row('003_c.ts'), row('004_d.ts')],
    )
    it('lists changed, missing and out-of-order migrations, naming files by source', async () => {
      assert.deepEqual(
        driftProblem(plan, {}, (id) => `${id}.ts`),
        { kind: 'drift', changed: ['001_a.ts'], missing: ['003_c'], outOfOrder: ['002_b.ts'] },
      )
    })
    it('drops what the policy allows, and answers nothing when everything is allowed', async () => {
      assert.deepEqual(driftProblem(plan, { acceptChanged: true, allowMissing: true }), {
        kind: 'drift',
        changed: [],
        missing: [],
        outOfOrder: ['002_b'],
      })
      assert.equal(driftProblem(plan, { acceptChanged: true, allowMissing: true, allowOutOfOrder: true }), undefined)
    })
  })

  describe('baseline', () => {
    const base = { known: ['001_a', '002_b', '003_c'], database: 'app.sqlite3' }
    it('does nothing on a new or a migrated database', async () => {
      assert.deepEqual(decideBaseline({ ...base, hasHistory: false, tables: [], baseline: undefined }), { action: 'none' })
      assert.deepEqual(decideBaseline({ ...base, hasHistory: true, tables: ['a'], baseline: undefined }), { action: 'none' })
    })
    it('refuses tables without history unless a baseline is named, then records up to it', async () => {
      assert.deepEqual(decideBaseline({ ...base, hasHistory: false, tables: ['a'], baseline: undefined }), {
        action: 'refuse',
        problem: { kind: 'no-history', database: 'app.sqlite3', tables: ['a'] },
      })
      assert.deepEqual(decideBaseline({ ...base, hasHistory: false, tables: ['a'], baseline: '002_b.ts' }), {
        action: 'record',
        ids: ['001_a', '002_b'],
      })
    })
    it('refuses a baseline on a database with history, on an empty one, and an unknown name', async () => {
      const kind = (d: ReturnType<typeof decideBaseline>) => (d.action === 'refuse' ? d.problem : undefined)
      assert.deepEqual(kind(decideBaseline({ ...base, hasHistory: true, tables: [], baseline: '001_a' })), {
        kind: 'baseline-refused',
        reason: 'has-history',
      })
      assert.deepEqual(kind(decideBaseline({ ...base, hasHistory: false, tables: [], baseline: '001_a' })), {
        kind: 'baseline-refused',
        reason: 'empty',
      })
      assert.equal(kind(decideBaseline({ ...base, hasHistory: false, tables: ['a'], baseline: '009_x' }))?.kind, 'unknown-migration')
    })
  })

  describe('grouping into units', () => {
    const m = (source: string, extra: Partial<UnitMember> = {}): UnitMember => ({ source, ...extra })
    const shape = (steps: UnitMember[], mode: TransactionMode) => {
      const grouping = groupIntoUnits(steps, mode, (s) => s)
      return grouping.ok
        ? grouping.units.map((u) => (u.kind === 'outside' ? `out:${u.step.source}` : u.steps.map((s) => s.source).join('+')))
        : grouping.problem
    }
    const steps = [m('1'), m('2'), m('3', { transaction: false }), m('4'), m('5', { foreignKeys: false }), m('6'), m('7')]

    it('batch: consecutive transactional migrations share a transaction; outside and foreign-key-off ones stand alone', async () => {
      assert.deepEqual(shape(steps, 'batch'), ['1+2', 'out:3', '4', '5', '6+7'])
    })
    it('each: one transaction per migration', async () => {
      assert.deepEqual(shape(steps, 'each'), ['1', '2', 'out:3', '4', '5', '6', '7'])
    })
    it('atomic: one transaction, refused when a migration must run outside one', async () => {
      assert.deepEqual(shape([m('1'), m('2', { foreignKeys: false })], 'atomic'), ['1+2'])
      assert.deepEqual(shape(steps, 'atomic'), { kind: 'atomic-needs-transaction', file: '3' })
    })
    it('keeps every migration exactly once and in order, whatever the mix (property)', async () => {
      const member = fc.record({ transaction: fc.boolean(), foreignKeys: fc.boolean() })
      fc.assert(
        fc.property(fc.array(member, { maxLength: 30 }), fc.constantFrom<TransactionMode>('batch', 'each'), (flags, mode) => {
          const list = flags.map((f, i) => m(String(i), f.transaction ? { foreignKeys: f.foreignKeys } : { transaction: false }))
          const grouping = groupIntoUnits(list, mode, (s) => s)
          assert.ok(grouping.ok)
          const flat = grouping.units.flatMap((u) => (u.kind === 'outside' ? [u.step] : u.steps))
          assert.deepEqual(flat, list)
          for (const u of grouping.units)
            if (u.kind === 'transaction' && u.steps.length > 1) assert.ok(u.steps.every((s) => s.foreignKeys !== false))
        }),
      )
    })
  })

  describe('rollback selection', () => {
    const applied = ['001_a', '002_b', '003_c']
    it('selects newest first by step, after a target, or all; defaults to the newest', async () => {
      assert.deepEqual(selectRollback(applied, {}), { ok: true, ids: ['003_c'] })
      assert.deepEqual(selectRollback(applied, { step: 2 }), { ok: true, ids: ['003_c', '002_b'] })
      assert.deepEqual(selectRollback(applied, { to: '001_a.ts' }), { ok: true, ids: ['003_c', '002_b'] })
      assert.deepEqual(selectRollback(applied, { all: true }), { ok: true, ids: ['003_c', '002_b', '001_a'] })
    })
    it('selects the last run (knex batch) and one named migration, which must be the newest', async () => {
      const rows = [
        { id: '001_a', runId: 'r1' },
        { id: '002_b', runId: 'r2' },
        { id: '003_c', runId: 'r2' },
      ]
      assert.deepEqual(selectRollback(rows, { lastRun: true }), { ok: true, ids: ['003_c', '002_b'] })
      const none = selectRollback(
        [
          { id: '001_a', runId: null },
          { id: '002_b', runId: null },
        ],
        { lastRun: true },
      )
      assert.deepEqual(
        none.ok ? undefined : none.problem,
        { kind: 'no-run-recorded', name: '002_b' },
        'a baseline is never rolled back as a run',
      )
      assert.deepEqual(selectRollback(rows, { name: '003_c.ts' }), { ok: true, ids: ['003_c'] })
      const notNewest = selectRollback(rows, { name: '002_b' })
      assert.deepEqual(notNewest.ok ? undefined : notNewest.problem, { kind: 'not-newest', name: '002_b', newer: ['003_c'] })
    })

    it('selects exactly one pending migration, refusing one that would skip older pending ones', async () => {
      const known = ['001_a', '002_b', '003_c']
      assert.deepEqual(selectOne(['002_b', '003_c'], known, '002_b', false), { ok: true, ids: ['002_b'] })
      const skip = selectOne(['002_b', '003_c'], known, '003_c', false)
      assert.deepEqual(skip.ok ? undefined : skip.problem, { kind: 'would-skip', name: '003_c', older: ['002_b'] })
      assert.deepEqual(selectOne(['002_b', '003_c'], known, '003_c', true), { ok: true, ids: ['003_c'] })
      const applied = selectOne(['002_b'], known, '001_a', false)
      assert.deepEqual(applied.ok ? undefined : applied.problem, { kind: 'not-pending', name: '001_a' })
    })

    it('refuses with typed problems', async () => {
      const problem = (t: Parameters<typeof selectRollback>[1]) => {
        const s = selectRollback(applied, t)
        return s.ok ? undefined : s.problem
      }
      assert.deepEqual(problem({ step: 4 }), { kind: 'step-too-large', step: 4, applied: 3 })
      assert.deepEqual(problem({ step: 1, to: '001_a' }), { kind: 'conflicting-options', options: ['step', 'to'] })
      assert.deepEqual(problem({ to: '009_x' }), { kind: 'not-applied', name: '009_x', applied })
      assert.equal(problem({ step: 0 })?.kind, 'invalid-option')
    })
  })
})
