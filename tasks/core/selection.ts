/**
 * Which migrations a command acts on: `migrate --to`, `migrate:down --step/--to/--all`, `--baseline`.
 * Pure: ids in, ids (or a refusal that says why) out.
 */
import { compareMigrationIds, migrationId } from './migration-name'

export type Selection = { ok: true; ids: string[] } | { ok: false; reason: string }

/** Normalises a NAME given on the command line: `x`, `x.ts` and `x.js` all mean `x`. */
export function normaliseName(name: string): string {
  return migrationId(name.trim())
}

/** Pending ids up to and including `to`, which must be a known migration. */
export function selectUpTo(pending: readonly string[], known: readonly string[], to: string | undefined): Selection {
  if (to === undefined) return { ok: true, ids: [...pending] }
  const target = normaliseName(to)
  if (!known.includes(target)) {
    return {
      ok: false,
      reason: `--to=${to} names no migration. Use a name from \`gulp migrate:status\`, such as ${known.at(-1) ?? '20261126120000_add_users'}`,
    }
  }
  return { ok: true, ids: pending.filter((id) => compareMigrationIds(id, target) <= 0) }
}

export interface RollbackTarget {
  readonly step?: number
  readonly to?: string
  readonly all?: boolean
}

/**
 * The applied migrations to roll back, newest first. `applied` is in the order they were applied, so the
 * rollback is the exact reverse of what happened. Default: the newest one.
 */
export function selectRollback(applied: readonly string[], target: RollbackTarget): Selection {
  const chosen = [target.step !== undefined, target.to !== undefined, target.all === true].filter(Boolean).length
  if (chosen > 1) return { ok: false, reason: 'Give only one of --step, --to and --all' }
  const newestFirst = [...applied].reverse()
  if (target.all) return { ok: true, ids: newestFirst }
  if (target.to !== undefined) {
    const name = normaliseName(target.to)
    const index = applied.indexOf(name)
    if (index === -1) {
      return {
        ok: false,
        reason: `--to=${target.to} is not an applied migration; nothing was rolled back. Applied: ${applied.length > 0 ? applied.join(', ') : 'none'}`,
      }
    }
    return { ok: true, ids: applied.slice(index + 1).reverse() }
  }
  const step = target.step ?? 1
  if (!Number.isInteger(step) || step < 1) return { ok: false, reason: `--step must be a whole number of at least 1, got ${step}` }
  if (step > applied.length) {
    return {
      ok: false,
      reason: `--step=${step} but only ${applied.length} migration(s) are applied; nothing was rolled back. Use --all to roll back everything`,
    }
  }
  return { ok: true, ids: newestFirst.slice(0, step) }
}

/** For `--baseline=NAME`: every known migration up to and including NAME. */
export function selectBaseline(known: readonly string[], name: string): Selection {
  const target = normaliseName(name)
  if (!known.includes(target))
    return { ok: false, reason: `--baseline=${name} names no migration; nothing was recorded. Known: ${known.join(', ') || 'none'}` }
  return { ok: true, ids: known.filter((id) => compareMigrationIds(id, target) <= 0) }
}
