/**
 * Foreign key problems of a database, as comparable descriptions with counts: rows whose parent row is
 * missing (`PRAGMA foreign_key_check`) and references to tables that do not exist (which the check cannot
 * see while the child table is empty). Counted, not keyed by rowid: `WITHOUT ROWID` tables have none, and
 * one old violation must not hide new ones.
 */
import type { Database } from 'better-sqlite3'
import { pragmaValue } from './connection'

export type Violations = ReadonlyMap<string, number>

/** Whether foreign keys are enforced on this connection (`PRAGMA foreign_keys`). */
export function foreignKeysOn(db: Database): boolean {
  return pragmaValue(db, 'foreign_keys') === 1
}

export function foreignKeyViolations(db: Database): Violations {
  const counts = new Map<string, number>()
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)
  const rows = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string }>
  for (const r of rows) add(`${r.table} row ${r.rowid ?? '(without rowid)'} references a missing row in ${r.parent}`)
  const dangling = db
    .prepare(
      `SELECT m.name AS child, f."table" AS parent FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND NOT EXISTS (SELECT 1 FROM sqlite_master p WHERE p.type = 'table' AND lower(p.name) = lower(f."table"))`,
    )
    .all() as Array<{ child: string; parent: string }>
  for (const d of dangling) add(`${d.child} references table ${d.parent}, which does not exist`)
  return counts
}

/** Violations in `after` that were not in `before` (or more of them). */
export function newViolations(before: Violations, after: Violations): string[] {
  return [...after]
    .filter(([key, n]) => n > (before.get(key) ?? 0))
    .map(([key, n]) => (n - (before.get(key) ?? 0) > 1 ? `${key} (x${n - (before.get(key) ?? 0)})` : key))
}
