/**
 * Baseline policy: what to do with a database that has no migration history. Pure.
 *
 * An empty database is simply new. A database with tables but no history is probably not the one the user
 * meant, so it is refused, unless a baseline names the migration its schema already corresponds to: then
 * every migration up to that one is recorded as applied without running.
 */
import type { Problem } from '../problems'
import { selectBaseline } from './selection'

export interface BaselineInput {
  /** Whether the migrations table has any row. */
  readonly hasHistory: boolean
  /** The application's tables (bookkeeping tables excluded). */
  readonly tables: readonly string[]
  /** Every known migration id, in order. */
  readonly known: readonly string[]
  /** The baseline the user asked for, if any. */
  readonly baseline: string | undefined
  /** The database, for messages. */
  readonly database: string
}

export type BaselineDecision =
  | { readonly action: 'none' }
  | { readonly action: 'record'; readonly ids: readonly string[] }
  | { readonly action: 'refuse'; readonly problem: Problem }

export function decideBaseline(input: BaselineInput): BaselineDecision {
  const refuse = (problem: Problem): BaselineDecision => ({ action: 'refuse', problem })
  if (input.hasHistory)
    return input.baseline === undefined ? { action: 'none' } : refuse({ kind: 'baseline-refused', reason: 'has-history' })
  if (input.tables.length === 0)
    return input.baseline === undefined ? { action: 'none' } : refuse({ kind: 'baseline-refused', reason: 'empty' })
  if (input.baseline === undefined) return refuse({ kind: 'no-history', database: input.database, tables: input.tables })
  const selection = selectBaseline(input.known, input.baseline)
  return selection.ok ? { action: 'record', ids: selection.ids } : refuse(selection.problem)
}
