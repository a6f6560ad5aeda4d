/** Foreign key violations of a database (`PRAGMA foreign_key_check`), as comparable descriptions. */
import type { Database } from 'better-sqlite3'

export function foreignKeyViolations(db: Database): Set<string> {
  const rows = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string }>
  return new Set(rows.map((r) => `${r.table} row ${r.rowid ?? '?'} references a missing row in ${r.parent}`))
}

/** Violations in `after` that were not in `before`. */
export function newViolations(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  return [...after].filter((v) => !before.has(v))
}
