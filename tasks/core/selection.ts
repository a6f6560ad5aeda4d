/**
 * Which migrations a command acts on: apply up to a target, roll back by step, target or all, baseline.
 * Pure: ids in, ids (or the problem that says why not) out.
 */
import type { Problem } from '../problems'
import { compareMigrationIds, migrationId } from './migration-name'

export type Selection = { readonly ok: true; readonly ids: string[] } | { readonly ok: false; readonly problem: Problem }

/** Normalises a migration name given by the user: `x`, `x.ts` and `x.js` all mean `x`. */
export function normaliseName(name: string): string {
  return migrationId(name.trim())
}

/** Pending ids up to and including `to`, which must be a known migration. */
export function selectUpTo(pending: readonly string[], known: readonly string[], to: string | undefined): Selection {
  if (to === undefined) return { ok: true, ids: [...pending] }
  const target = normaliseName(to)
  if (!known.includes(target)) return { ok: false, problem: { kind: 'unknown-migration', option: 'to', name: to, known } }
  return { ok: true, ids: pending.filter((id) => compareMigrationIds(id, target) <= 0) }
}

/**
 * What to roll back: the newest `step` migrations, everything applied after `to`, `all`, the migrations of
 * the last run (`lastRun`, knex's batch), or the one named (`name`, which must be the newest). At most one;
 * none means the newest one. The types make "one of" a compile error where the caller is typed.
 */
export type RollbackTarget =
  | { readonly step: number; readonly to?: never; readonly all?: never; readonly lastRun?: never; readonly name?: never }
  | { readonly to: string; readonly step?: never; readonly all?: never; readonly lastRun?: never; readonly name?: never }
  | { readonly all: true; readonly step?: never; readonly to?: never; readonly lastRun?: never; readonly name?: never }
  | { readonly lastRun: true; readonly step?: never; readonly to?: never; readonly all?: never; readonly name?: never }
  | { readonly name: string; readonly step?: never; readonly to?: never; readonly all?: never; readonly lastRun?: never }
  | { readonly step?: never; readonly to?: never; readonly all?: never; readonly lastRun?: never; readonly name?: never }

/** Loosely typed input (flags, JavaScript callers), checked at run time. */
export interface LooseRollbackTarget {
  readonly step?: number
  readonly to?: string
  readonly all?: boolean
  readonly lastRun?: boolean
  readonly name?: string
}

/** An applied migration, in the order applied, with the run that applied it. */
export interface AppliedMigration {
  readonly id: string
  readonly runId: string | null
}

const KEYS = ['step', 'to', 'all', 'lastRun', 'name'] as const

/**
 * The applied migrations to roll back, newest first. `applied` is in the order they were applied, so the
 * rollback is the exact reverse of what happened.
 */
export function selectRollback(applied: readonly (string | AppliedMigration)[], target: LooseRollbackTarget): Selection {
  const rows = applied.map((a) => (typeof a === 'string' ? { id: a, runId: null } : a))
  const ids = rows.map((r) => r.id)
  const given = KEYS.filter((k) => (k === 'all' || k === 'lastRun' ? target[k] === true : target[k] !== undefined))
  if (given.length > 1) return { ok: false, problem: { kind: 'conflicting-options', options: given } }
  const newestFirst = [...ids].reverse()
  if (target.all) return { ok: true, ids: newestFirst }
  if (target.lastRun) {
    const newest = rows.at(-1)
    if (newest && newest.runId === null) return { ok: false, problem: { kind: 'no-run-recorded', name: newest.id } }
    return { ok: true, ids: lastRun(rows) }
  }
  if (target.to !== undefined) {
    const index = ids.indexOf(normaliseName(target.to))
    if (index === -1) return { ok: false, problem: { kind: 'not-applied', name: target.to, applied: ids } }
    return { ok: true, ids: ids.slice(index + 1).reverse() }
  }
  if (target.name !== undefined) {
    const index = ids.indexOf(normaliseName(target.name))
    if (index === -1) return { ok: false, problem: { kind: 'not-applied', name: target.name, applied: ids } }
    const newer = ids.slice(index + 1)
    if (newer.length > 0) return { ok: false, problem: { kind: 'not-newest', name: target.name, newer } }
    return { ok: true, ids: [ids[index]] }
  }
  const step = target.step ?? 1
  if (!Number.isInteger(step) || step < 1)
    return { ok: false, problem: { kind: 'invalid-option', option: 'step', value: step, expected: 'a whole number of at least 1' } }
  if (step > ids.length) return { ok: false, problem: { kind: 'step-too-large', step, applied: ids.length } }
  return { ok: true, ids: newestFirst.slice(0, step) }
}

/** The migrations of the newest run, newest first. */
function lastRun(rows: readonly AppliedMigration[]): string[] {
  const last = rows.at(-1)
  if (!last) return []
  const ids: string[] = []
  for (let i = rows.length - 1; i >= 0 && rows[i].runId === last.runId; i--) ids.push(rows[i].id)
  return ids
}

/**
 * Exactly the pending migration `name` (`migrate:up --name`): refused when it is not pending, or when older
 * migrations are pending (they would become out of order) unless out-of-order is allowed.
 */
export function selectOne(pending: readonly string[], known: readonly string[], name: string, allowOutOfOrder: boolean): Selection {
  const target = normaliseName(name)
  if (!known.includes(target)) return { ok: false, problem: { kind: 'unknown-migration', option: 'name', name, known } }
  if (!pending.includes(target)) return { ok: false, problem: { kind: 'not-pending', name } }
  const older = pending.filter((id) => compareMigrationIds(id, target) < 0)
  if (older.length > 0 && !allowOutOfOrder) return { ok: false, problem: { kind: 'would-skip', name, older } }
  return { ok: true, ids: [target] }
}

/** For a baseline: every known migration up to and including `name`. */
export function selectBaseline(known: readonly string[], name: string): Selection {
  const target = normaliseName(name)
  if (!known.includes(target)) return { ok: false, problem: { kind: 'unknown-migration', option: 'baseline', name, known } }
  return { ok: true, ids: known.filter((id) => compareMigrationIds(id, target) <= 0) }
}
