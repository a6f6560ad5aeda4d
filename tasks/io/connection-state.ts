/**
 * The per-connection settings a migration outside a transaction may change (`PRAGMA foreign_keys = OFF`,
 * `legacy_alter_table`, ...): read before it runs and put back afterwards, so they never leak into the
 * migrations after it.
 */
import type { Database, Statement } from 'better-sqlite3'
import { INTERNAL_SQL } from './internal-sql'

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

/** Settings SQLite fixes for the length of a transaction: left alone inside one (defer_foreign_keys resets at COMMIT). */
const FIXED_IN_TRANSACTION = new Set<string>(['foreign_keys', 'defer_foreign_keys'])

/**
 * Reads the settings now; `restore()` puts back the ones that changed. Inside a transaction (after a migration
 * of a transactional unit) it restores all but foreign_keys and defer_foreign_keys, so a `PRAGMA
 * legacy_alter_table = ON` in one migration never changes what the next one's ALTER TABLE does.
 */
export function connectionState(db: Database): { restore(): void } {
  const saved = readSettings(db)
  return {
    restore() {
      if (!db.open) return
      const now = readSettings(db)
      for (const name of SETTINGS) {
        if (db.inTransaction && FIXED_IN_TRANSACTION.has(name)) continue
        if (now[name] !== saved[name]) db.prepare(`${INTERNAL_SQL} PRAGMA ${name} = ${Number(saved[name])}`).run()
      }
    },
  }
}

/**
 * All the settings in one statement, prepared once per connection: this runs before and after every migration,
 * and ten PRAGMA statements prepared each time cost 8 times as much (about 70 µs against 8 µs).
 */
const SETTINGS_SQL = `${INTERNAL_SQL} SELECT ${SETTINGS.map((name) => `(SELECT * FROM pragma_${name}) AS ${name}`).join(', ')}`
const prepared = new WeakMap<Database, Statement>()

function readSettings(db: Database): Record<(typeof SETTINGS)[number], unknown> {
  let statement = prepared.get(db)
  if (!statement) prepared.set(db, (statement = db.prepare(SETTINGS_SQL)))
  return statement.get() as Record<(typeof SETTINGS)[number], unknown>
}
