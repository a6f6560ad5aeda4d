/**
 * Notices when a migration touches the bookkeeping tables (the migrations table and its lease table), in
 * microseconds instead of reading them: temporary triggers count every row written to them, and their
 * columns and the triggers' presence show a drop, re-creation or ALTER. The runner compares a snapshot
 * taken before a migration with one taken after it, before writing its own record. The temporary objects
 * live on this connection only and are removed when the run ends.
 */
import type { Database } from 'better-sqlite3'
import { valueStatement, type ValueStatement } from './connection'

const COUNTER = 'gulp_sqlite_migrate_writes'

export class BookkeepingWatch {
  private readonly triggers: string[]

  constructor(
    private readonly db: Database,
    private readonly tables: readonly string[],
  ) {
    this.triggers = tables.flatMap((_, t) => ['insert', 'update', 'delete'].map((op) => `gulp_sqlite_migrate_${t}_${op}`))
  }

  /** Creates the counter and triggers if they are missing (a rolled-back transaction takes them along). */
  arm(): void {
    this.db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS ${COUNTER} (n INTEGER NOT NULL); INSERT INTO ${COUNTER} SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM ${COUNTER})`,
    )
    this.tables.forEach((table, t) => {
      for (const op of ['insert', 'update', 'delete'])
        this.db.exec(
          `CREATE TEMP TRIGGER IF NOT EXISTS gulp_sqlite_migrate_${t}_${op} AFTER ${op.toUpperCase()} ON "${table}" ` +
            `BEGIN UPDATE ${COUNTER} SET n = n + 1; END`,
        )
    })
  }

  private statement?: ValueStatement

  /**
   * Writes so far, the triggers still in place, and the tables' definitions, in one statement (taken twice per
   * migration). A drop, re-creation or ALTER of a table changes its `sql` or drops its triggers with it.
   */
  snapshot(): string {
    // Prepared once, after the first arm() (it reads the temporary table); SQLite re-prepares it when the schema
    // changes, and a re-armed counter is found again by name.
    const list = (names: readonly string[]) => names.map((name) => `'${name.replace(/'/g, "''")}'`).join(', ')
    this.statement ??= valueStatement(
      this.db,
      `SELECT (SELECT n FROM temp.${COUNTER}) || '|' || ` +
        `(SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger' AND name IN (${list(this.triggers)})) || '|' || ` +
        `ifnull((SELECT group_concat(name || ':' || sql, '|') FROM main.sqlite_master WHERE type = 'table' AND name IN (${list(this.tables)})), '')`,
    )
    return String(this.statement.get())
  }

  /** Removes the temporary objects; call outside a transaction, when the run ends. */
  disarm(): void {
    if (!this.db.open || this.db.inTransaction) return
    for (const trigger of this.triggers) this.db.exec(`DROP TRIGGER IF EXISTS temp.${trigger}`)
    this.db.exec(`DROP TABLE IF EXISTS temp.${COUNTER}`)
  }
}
