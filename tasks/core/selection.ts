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
 * What to roll back: the newest `step` migrations, everything applied after `to`, or `all`. At most one of
 * them; none means the newest one. The types make "one of" a compile error where the caller is typed.
 */
export type RollbackTarget =
  | { readonly step: number; readonly to?: never; readonly all?: never }
  | { readonly to: string; readonly step?: never; readonly all?: never }
  | { readonly all: true; readonly step?: never; readonly to?: never }
  | { readonly step?: never; readonly to?: never; readonly all?: never }

/** Loosely typed input (flags, JavaScript callers), checked at run time. */
export interface LooseRollbackTarget {
  readonly step?: number
  readonly to?: string
  readonly all?: boolean
}

/**
 * The applied migrations to roll back, newest first. `applied` is in the order they were applied, so the
 * rollback is the exact reverse of what happened.
 */
export function selectRollback(applied: readonly string[], target: LooseRollbackTarget): Selection {
  const given = (['step', 'to', 'all'] as const).filter((k) => (k === 'all' ? target.all === true : target[k] !== undefined))
  if (given.length > 1) return { ok: false, problem: { kind: 'conflicting-options', options: given } }
  const newestFirst = [...applied].reverse()
  if (target.all) return { ok: true, ids: newestFirst }
  if (target.to !== undefined) {
    const index = applied.indexOf(normaliseName(target.to))
    if (index === -1) return { ok: false, problem: { kind: 'not-applied', name: target.to, applied } }
    return { ok: true, ids: applied.slice(index + 1).reverse() }
  }
  const step = target.step ?? 1
  if (!Number.isInteger(step) || step < 1)
    return { ok: false, problem: { kind: 'invalid-option', option: 'step', value: step, expected: 'a whole number of at least 1' } }
  if (step > applied.length) return { ok: false, problem: { kind: 'step-too-large', step, applied: applied.length } }
  return { ok: true, ids: newestFirst.slice(0, step) }
}

/** For a baseline: every known migration up to and including `name`. */
export function selectBaseline(known: readonly string[], name: string): Selection {
  const target = normaliseName(name)
  if (!known.includes(target)) return { ok: false, problem: { kind: 'unknown-migration', option: 'baseline', name, known } }
  return { ok: true, ids: known.filter((id) => compareMigrationIds(id, target) <= 0) }
}
