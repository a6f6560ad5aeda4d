/**
 * Grouping migrations into transaction units. Pure. In every mode each migration is atomic with its record;
 * the mode decides how many share a transaction:
 * - `batch` (default): consecutive transactional migrations share one transaction, a savepoint each;
 * - `each`: one transaction per migration;
 * - `atomic`: all of them in one (refused when one must run outside a transaction).
 * A migration with `transaction = false` or `foreignKeys = false` is always a unit of its own.
 */
import type { Problem } from '../problems'

/**
 * How pending migrations are grouped into transactions. In every mode each migration is atomic with its record.
 * - `batch` (default): one transaction for the run, a savepoint per migration. A failure rolls back that
 *   migration; the ones before it are committed. One commit (one fsync) for the whole run.
 * - `each`: one transaction per migration: a commit each, but a crash keeps everything before it.
 * - `atomic`: all of them or none.
 */
export type TransactionMode = 'batch' | 'each' | 'atomic'

/** What grouping needs to know about a migration. */
export interface UnitMember {
  readonly source: string
  readonly transaction?: boolean
  readonly foreignKeys?: boolean
}

export type Unit<T> =
  | { readonly kind: 'transaction'; readonly steps: readonly T[]; readonly foreignKeysOff: boolean }
  | { readonly kind: 'outside'; readonly step: T }

export type Grouping<T> = { readonly ok: true; readonly units: readonly Unit<T>[] } | { readonly ok: false; readonly problem: Problem }

export function groupIntoUnits<T>(steps: readonly T[], mode: TransactionMode, member: (step: T) => UnitMember): Grouping<T> {
  const outside = (s: T) => member(s).transaction === false
  const alone = (s: T) => outside(s) || member(s).foreignKeys === false
  if (mode === 'atomic') {
    const first = steps.find(outside)
    if (first !== undefined) return { ok: false, problem: { kind: 'atomic-needs-transaction', file: member(first).source } }
    if (steps.length === 0) return { ok: true, units: [] }
    return {
      ok: true,
      units: [{ kind: 'transaction', steps: [...steps], foreignKeysOff: steps.some((s) => member(s).foreignKeys === false) }],
    }
  }
  const units: Unit<T>[] = []
  let open: T[] | undefined
  for (const step of steps) {
    if (outside(step)) {
      units.push({ kind: 'outside', step })
      open = undefined
    } else if (alone(step) || mode === 'each' || open === undefined) {
      open = [step]
      units.push({ kind: 'transaction', steps: open, foreignKeysOff: alone(step) })
      if (alone(step)) open = undefined
    } else {
      open.push(step)
    }
  }
  return { ok: true, units }
}
