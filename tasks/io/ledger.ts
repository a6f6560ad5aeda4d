/**
 * The migrations table: which migrations are applied, when, how long they took, and the checksum of their
 * source. It keeps the three columns of the earlier script-based runner (`id`, `name`, `applied_at`, with
 * names stored as `.ts` file names) and adds `checksum` and `duration_ms`, so an existing table is adopted.
 */
import type { Database } from 'better-sqlite3'
import { basename } from 'node:path'
import type { RecordedMigration } from '../core/plan'
import { migrationId } from '../core/migration-name'
import { MigrateError } from '../errors'

const ADDED_COLUMNS = { checksum: 'TEXT', duration_ms: 'INTEGER', run_id: 'TEXT', helpers: 'TEXT' } as const

/**
 * SQLite's CURRENT_TIMESTAMP (`2026-11-28 12:52:04`, UTC without saying so) as ISO 8601 with its zone
 * (`2026-11-28T12:52:04Z`), which `new Date()` and every JSON consumer read as UTC. Other text is kept.
 */
export function isoTime(value: string | null): string {
  if (!value) return ''
  return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value
}

/** What a row records of a migration: the id, the source's checksum and name, the helpers it imported. */
export interface RecordedRun {
  readonly id: string
  readonly checksum: string | null
  /** Path of the source (its file name is recorded). */
  readonly source?: string
  /** Helper (relative to the migrations folder) → checksum, for the helpers it imports. */
  readonly helpers?: Readonly<Record<string, string>>
}

function parseHelpers(text: string): Readonly<Record<string, string>> | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : undefined
  } catch {
    return undefined // written by hand or by another tool: nothing to compare
  }
}

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new MigrateError({
      kind: 'invalid-option',
      option: 'table',
      value: name,
      expected: 'a table name of letters, digits and underscores, not starting with a digit',
    })
  }
  return `"${name}"`
}

export class Ledger {
  private readonly table: string
  readonly lockTable: string

  constructor(
    private readonly db: Database,
    tableName: string,
  ) {
    this.table = quoteIdentifier(tableName)
    this.lockTable = quoteIdentifier(`${tableName}_lock`)
  }

  /** True when the table or one of its columns is missing. Reads only. */
  needsSetup(): boolean {
    const { columns, lockTable, lockIdentity } = this.shape()
    return columns.size === 0 || Object.keys(ADDED_COLUMNS).some((c) => !columns.has(c)) || !lockTable || !lockIdentity
  }

  private known?: { readonly columns: Set<string>; readonly lockTable: boolean; readonly lockIdentity: boolean }

  /**
   * The columns of the table and the state of the lock table, in one statement, read once per instance (a fleet's
   * up-to-date check reads them for every database) and again after `setup()` changed them.
   */
  private shape(): { readonly columns: Set<string>; readonly lockTable: boolean; readonly lockIdentity: boolean } {
    if (this.known) return this.known
    const [table, lock] = [this.table.slice(1, -1), this.lockTable.slice(1, -1)]
    const row = this.db
      .prepare(
        `SELECT (SELECT json_group_array(name) FROM pragma_table_info(?)) AS columns, ` +
          `EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?) AS lockTable, ` +
          `EXISTS (SELECT 1 FROM pragma_table_info(?) WHERE name = 'identity') AS lockIdentity`,
      )
      .get(table, lock, lock) as { columns: string; lockTable: number; lockIdentity: number }
    const columns = new Set(JSON.parse(row.columns) as string[])
    if (columns.size > 0 && !(columns.has('id') && columns.has('name') && columns.has('applied_at')))
      throw new MigrateError({ kind: 'ledger-table-mismatch', table, columns: [...columns] })
    this.known = { columns, lockTable: row.lockTable === 1, lockIdentity: row.lockIdentity === 1 }
    return this.known
  }

  /** Creates the table, or adds the new columns to a table adopted from the earlier runner. Call in a write transaction. */
  setup(): void {
    const columns = this.columns()
    if (columns.size === 0) {
      this.db.exec(
        `CREATE TABLE ${this.table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, ` +
          `applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, checksum TEXT, duration_ms INTEGER, run_id TEXT, helpers TEXT)`,
      )
    } else {
      for (const [column, type] of Object.entries(ADDED_COLUMNS)) {
        if (!columns.has(column)) this.db.exec(`ALTER TABLE ${this.table} ADD COLUMN ${column} ${type}`)
      }
    }
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${this.lockTable} (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, ` +
        'pid INTEGER NOT NULL, host TEXT NOT NULL, migration TEXT NOT NULL, acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL, identity TEXT)',
    )
    // Lease tables of earlier versions lack the holder's identity column (one just created has it).
    const { lockTable, lockIdentity } = this.shape()
    if (lockTable && !lockIdentity) this.db.exec(`ALTER TABLE ${this.lockTable} ADD COLUMN identity TEXT`)
    this.known = undefined
  }

  exists(): boolean {
    return this.columns().size > 0
  }

  read(): RecordedMigration[] {
    const columns = this.columns()
    if (columns.size === 0) return []
    const optional = [
      columns.has('checksum') ? ', checksum' : '',
      columns.has('duration_ms') ? ', duration_ms AS durationMs' : '',
      columns.has('run_id') ? ', run_id AS runId' : '',
      columns.has('helpers') ? ', helpers' : '',
    ].join('')
    const rows = this.db.prepare(`SELECT name, applied_at AS appliedAt${optional} FROM ${this.table} ORDER BY id`).all() as Array<{
      name: string
      appliedAt: string | null
      checksum?: string | null
      durationMs?: number | null
      runId?: string | null
      helpers?: string | null
    }>
    return rows.map((r) => ({
      ...(r.helpers ? { helpers: parseHelpers(r.helpers) } : {}),
      name: r.name,
      appliedAt: isoTime(r.appliedAt),
      checksum: r.checksum ?? null,
      durationMs: r.durationMs ?? null,
      runId: r.runId ?? null,
    }))
  }

  /**
   * Records an applied migration under its source's file name (`source`, a path; `<id>.ts` when unknown), with
   * the checksums of the helpers it imported; `runId` groups the migrations of one run (for rolling back the last run).
   */
  record(migration: RecordedRun, durationMs: number, runId: string | null = null): void {
    const { id, source } = migration
    const helpers = migration.helpers && Object.keys(migration.helpers).length > 0 ? JSON.stringify(migration.helpers) : null
    this.db
      .prepare(`INSERT INTO ${this.table} (name, checksum, duration_ms, run_id, helpers) VALUES (?, ?, ?, ?, ?)`)
      .run(
        source && migrationId(basename(source)) === id ? basename(source) : `${id}.ts`,
        migration.checksum,
        Math.round(durationMs),
        runId,
        helpers,
      )
  }

  /** Records the helpers' checksums again (`migrate:repair` after an intended edit of a helper). */
  setHelpers(id: string, helpers: Readonly<Record<string, string>>): void {
    this.db
      .prepare(`UPDATE ${this.table} SET helpers = ? WHERE name IN (?, ?, ?, ?)`)
      .run(JSON.stringify(helpers), id, `${id}.ts`, `${id}.js`, `${id}.sql`)
  }

  /** Deletes the record of a rolled-back migration (under any of the names it may have been recorded as). */
  remove(id: string): void {
    this.db.prepare(`DELETE FROM ${this.table} WHERE name IN (?, ?, ?, ?)`).run(id, `${id}.ts`, `${id}.js`, `${id}.sql`)
  }

  /** Applied ids in the order they were applied. */
  appliedIds(): string[] {
    return [...new Set(this.read().map((row) => migrationId(row.name)))]
  }

  setChecksum(id: string, checksum: string): void {
    this.db
      .prepare(`UPDATE ${this.table} SET checksum = ? WHERE name IN (?, ?, ?, ?)`)
      .run(checksum, id, `${id}.ts`, `${id}.js`, `${id}.sql`)
  }

  /** The table's columns; refuses a table of that name that is not a migrations table (knex's, an app's). */
  private columns(): Set<string> {
    return this.shape().columns
  }

  /** The names of the bookkeeping tables. */
  tableNames(): string[] {
    return [this.table.slice(1, -1), this.lockTable.slice(1, -1)]
  }
}
