/**
 * The `db` handed to a transactional migration: the real better-sqlite3 connection, with two guards.
 *
 * - SQL that would silently misbehave inside the runner's transaction (PRAGMA foreign_keys, BEGIN/COMMIT,
 *   VACUUM, ...) throws before it runs, with a message that says what to do instead.
 * - Once the runner's transaction has ended under the migration (a trigger's `RAISE(ROLLBACK)` that the
 *   migration caught, a `COMMIT` that got through, `db.close()`), the next call on `db` or on a statement it
 *   prepared throws, so no later statement runs in autocommit mode.
 */
import type { Database, Statement } from 'better-sqlite3'
import { transactionalViolation } from '../core/sql-guard'

function check(sql: unknown): void {
  if (typeof sql !== 'string') return
  const violation = transactionalViolation(sql)
  if (violation) throw new Error(`Refused SQL: ${violation}`)
}

/** Thrown at the first call after the transaction ended; the runner reports what was and was not committed. */
export class TransactionLostError extends Error {
  override readonly name = 'TransactionLostError'
}

function assertActive(db: Database): void {
  if (!db.open || !db.inTransaction) {
    throw new TransactionLostError(
      "the runner's transaction ended while the migration was running (a RAISE(ROLLBACK) in a trigger, a COMMIT or ROLLBACK, or db.close()), " +
        'so nothing after that point ran. Let such errors propagate instead of catching them, or export `const transaction = false` to manage transactions yourself',
    )
  }
}

const STATEMENT_CALLS = new Set(['run', 'get', 'all', 'iterate'])

function guardedStatement(db: Database, statement: Statement): Statement {
  return new Proxy(statement, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (!STATEMENT_CALLS.has(String(property))) return (value as (...args: unknown[]) => unknown).bind(target)
      return (...args: unknown[]) => {
        assertActive(db)
        return (value as (...args: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

export function guardedDatabase(db: Database): Database {
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const call = value as (...args: unknown[]) => unknown
      return (first: unknown, ...rest: unknown[]) => {
        assertActive(target)
        if (property === 'exec') check(first)
        if (property === 'pragma') check(typeof first === 'string' ? `PRAGMA ${first}` : first)
        if (property === 'prepare') {
          check(first)
          return guardedStatement(target, call.call(target, first, ...rest) as Statement)
        }
        return call.call(target, first, ...rest)
      }
    },
  })
}
