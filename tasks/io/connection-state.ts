/**
 * The per-connection settings a migration outside a transaction may change (`PRAGMA foreign_keys = OFF`,
 * `legacy_alter_table`, ...): read before it runs and put back afterwards, so they never leak into the
 * migrations after it.
 */
import type { Database } from 'better-sqlite3'

const SETTINGS = [
  'foreign_keys',
  'defer_foreign_keys',
  'legacy_alter_table',
  'recursive_triggers',
  'ignore_check_constraints',
  'reverse_unordered_selects',
  'query_only',
  'trusted_schema',
  'cell_size_check',
  'automatic_index',
] as const

export function connectionState(db: Database): { restore(): void } {
  const saved = SETTINGS.map((name) => [name, db.pragma(name, { simple: true })] as const)
  return {
    restore() {
      if (!db.open || db.inTransaction) return // foreign_keys can only change outside a transaction; the runner reports the open one
      for (const [name, value] of saved) if (db.pragma(name, { simple: true }) !== value) db.pragma(`${name} = ${Number(value)}`)
    },
  }
}
