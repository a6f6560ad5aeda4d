/**
 * The `db` handed to a transactional migration: the real better-sqlite3 connection, except that SQL which
 * would silently misbehave inside the runner's transaction (PRAGMA foreign_keys, BEGIN/COMMIT, VACUUM, ...)
 * throws before it runs, with a message that says what to do instead.
 */
import type { Database } from 'better-sqlite3'
import { transactionalViolation } from '../core/sql-guard'

function check(sql: unknown): void {
  if (typeof sql !== 'string') return
  const violation = transactionalViolation(sql)
  if (violation) throw new Error(`Refused SQL: ${violation}`)
}

export function guardedDatabase(db: Database): Database {
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (property === 'exec' || property === 'prepare') {
        return (sql: unknown, ...rest: unknown[]) => {
          check(sql)
          return (value as (...args: unknown[]) => unknown).call(target, sql, ...rest)
        }
      }
      if (property === 'pragma') {
        return (source: unknown, ...rest: unknown[]) => {
          check(typeof source === 'string' ? `PRAGMA ${source}` : source)
          return (value as (...args: unknown[]) => unknown).call(target, source, ...rest)
        }
      }
      return (value as (...args: unknown[]) => unknown).bind(target)
    },
  })
}
