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
import { inspectSql } from '../core/sql-guard'
import { pragmaValue } from './connection'
import { INTERNAL_SQL } from './internal-sql'

export interface GuardOptions {
  /** The migration exports `unsafe = true`: `PRAGMA writable_schema` is allowed. */
  readonly unsafe?: boolean
  /** Called before the first SQL with a PRAGMA runs (to note the connection's settings, and put them back after). */
  readonly beforePragma?: () => void
}

function check(db: Database, sql: unknown, options: GuardOptions): void {
  if (typeof sql !== 'string') return
  const { violation, droppedTables, hasPragma } = inspectSql(sql, { allowUnsafe: options.unsafe === true })
  if (violation) throw new Error(`Refused SQL: ${violation}`)
  if (hasPragma) options.beforePragma?.()
  for (const table of droppedTables) refuseCascadingDrop(db, table)
}

/**
 * With foreign keys on, `DROP TABLE parent` first deletes its rows, and `ON DELETE CASCADE / SET NULL / SET
 * DEFAULT` silently deletes or changes the child rows (a table rebuild then loses them for good). Refused
 * before it runs when a child table with such an action has rows.
 */
function refuseCascadingDrop(db: Database, table: string): void {
  if (pragmaValue(db, 'foreign_keys', INTERNAL_SQL) !== 1) return
  const children = db
    .prepare(
      `${INTERNAL_SQL} SELECT DISTINCT m.name AS child, f.on_delete AS action FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND lower(f."table") = lower(?) AND lower(m.name) <> lower(?) AND f.on_delete IN ('CASCADE', 'SET NULL', 'SET DEFAULT')`,
    )
    .all(table, table) as Array<{ child: string; action: string }>
  const affected = children.filter(
    (c) => db.prepare(`${INTERNAL_SQL} SELECT 1 FROM "${c.child.replace(/"/g, '""')}" LIMIT 1`).get() !== undefined,
  )
  if (affected.length === 0) return
  throw new Error(
    `Refused SQL: DROP TABLE ${table} would ${affected.map((c) => `${c.action === 'CASCADE' ? 'delete' : 'change'} the rows of ${c.child} (ON DELETE ${c.action})`).join(' and ')}, ` +
      'because foreign keys are on inside the transaction. To rebuild the table, export `const foreignKeys = false` from the migration (in a .sql file, put PRAGMA foreign_keys = OFF; before it): the runner turns them off before its transaction and checks PRAGMA foreign_key_check before committing',
  )
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

function guardedStatement(db: Database, statement: Statement, guarded: Database): Statement {
  // The proxy's target is a stand-in with the statement's prototype: `database` is a non-configurable
  // property of the real statement, which a proxy of it would have to return as is.
  const standIn = Object.create(Object.getPrototypeOf(statement) as object) as Statement
  const proxy: Statement = new Proxy(standIn, {
    get(_, property) {
      if (property === 'database') return guarded // never hand out the unguarded connection
      const value: unknown = Reflect.get(statement, property, statement)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (STATEMENT_CALLS.has(String(property))) assertActive(db)
        const result = (value as (...args: unknown[]) => unknown).apply(statement, args)
        return result === statement ? proxy : result // pluck(), raw(), expand(), safeIntegers() chain on the guarded statement
      }
    },
  })
  return proxy
}

export function guardedDatabase(db: Database, options: GuardOptions = {}): Database {
  const guarded: Database = new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const call = value as (...args: unknown[]) => unknown
      return (first: unknown, ...rest: unknown[]) => {
        assertActive(target)
        if (property === 'exec') check(target, first, options)
        if (property === 'pragma') check(target, typeof first === 'string' ? `PRAGMA ${first}` : first, options)
        if (property === 'prepare') {
          check(target, first, options)
          return guardedStatement(target, call.call(target, first, ...rest) as Statement, guarded)
        }
        return call.call(target, first, ...rest)
      }
    },
  })
  return guarded
}
