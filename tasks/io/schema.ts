/**
 * Reading the schema of a database, without the migration bookkeeping tables: as `sqlite_master` text, and as
 * the facts SQLite reports (pragmas) for comparing schemas by meaning. Writing and checking `schema.sql`.
 */
import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { diffSchema, renderSchema, sortSchema, type SchemaObject } from '../core/schema'
import {
  compareSchemaModels,
  type ForeignKeyModel,
  type IndexModel,
  type SchemaModel,
  type Sides,
  type TableModel,
  type TextObjectModel,
} from '../core/schema-model'
import { MigrateError } from '../errors'
import { writeFileAtomic } from './atomic-write'

export function readSchema(db: Database.Database, table: string): SchemaObject[] {
  return db
    .prepare(
      `SELECT type, name, tbl_name AS "table", sql FROM sqlite_master
       WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND tbl_name NOT IN (?, ?)`,
    )
    .all(table, `${table}_lock`) as SchemaObject[]
}

/** Tables of the application (not SQLite's, not the migration bookkeeping). */
export function applicationTables(db: Database.Database, table: string): string[] {
  return readSchema(db, table)
    .filter((o) => o.type === 'table')
    .map((o) => o.name)
    .sort()
}

/** Every ordinary table `m` of the application, joined with `pragmas` (table-valued pragma functions), where `and`. */
const tables = (pragmas = '', and = '') =>
  `FROM sqlite_master m JOIN pragma_table_list l ON l.schema = 'main' AND l.name = m.name ${pragmas}
   WHERE m.type = 'table' AND l.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.tbl_name NOT IN (?, ?) ${and}`

interface Row {
  readonly [column: string]: string | number | null
}

/** Rows grouped by their `tbl` column. */
function byTable(rows: readonly Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>()
  for (const row of rows) groups.set(String(row.tbl), [...(groups.get(String(row.tbl)) ?? []), row])
  return groups
}

function foreignKeys(rows: readonly Row[]): ForeignKeyModel[] {
  const byId = new Map<number, Row[]>()
  for (const row of rows) byId.set(Number(row.id), [...(byId.get(Number(row.id)) ?? []), row])
  return [...byId.values()].map((fk) => ({
    table: String(fk[0].table),
    from: fk.map((r) => String(r.from)),
    to: fk.map((r) => (r.to === null ? null : String(r.to))),
    onUpdate: String(fk[0].on_update),
    onDelete: String(fk[0].on_delete),
    match: String(fk[0].match),
  }))
}

function indexes(rows: readonly Row[]): IndexModel[] {
  const byName = new Map<string, Row[]>()
  for (const row of rows) byName.set(String(row.idx), [...(byName.get(String(row.idx)) ?? []), row])
  return [...byName.values()].map((index) => ({
    name: String(index[0].idx),
    table: String(index[0].tbl),
    unique: index[0].isUnique === 1,
    origin: index[0].origin as IndexModel['origin'],
    columns: index.map((c) => ({ name: c.col === null ? null : String(c.col), desc: c.isDesc === 1, collation: String(c.coll) })),
    sql: index[0].sql === null ? null : String(index[0].sql),
  }))
}

/**
 * The schema of `db` as SQLite reports it: pragma table_list, table_xinfo, index_list, index_xinfo and
 * foreign_key_list, one query each for every table; views, triggers and virtual tables as their text.
 */
export function readSchemaModel(db: Database.Database, table = 'migrations'): SchemaModel {
  const skip = [table, `${table}_lock`]
  const query = (sql: string) => db.prepare(sql).all(...skip) as Row[]
  const rows = query(`SELECT m.name, m.sql, l.wr, l.strict ${tables()}`)
  const columns = byTable(query(`SELECT m.name AS tbl, p.* ${tables(', pragma_table_xinfo(m.name) p')}`))
  const keys = byTable(query(`SELECT m.name AS tbl, f.* ${tables(', pragma_foreign_key_list(m.name) f')}`))
  const indexRows = query(
    `SELECT m.name AS tbl, i.name AS idx, i."unique" AS isUnique, i.origin, x.name AS col, x."desc" AS isDesc, x.coll,
       (SELECT sql FROM sqlite_master s WHERE s.type = 'index' AND s.name = i.name) AS sql
     ${tables(', pragma_index_list(m.name) i, pragma_index_xinfo(i.name) x', 'AND x.key')}
     ORDER BY m.name, i.name, x.seqno`,
  )
  const known = new Set(rows.map((t) => String(t.name)))
  const model: TableModel[] = rows.map((t) => ({
    name: String(t.name),
    sql: String(t.sql),
    columns: (columns.get(String(t.name)) ?? []).map((c) => ({
      name: String(c.name),
      type: String(c.type),
      notNull: c.notnull === 1,
      defaultValue: c.dflt_value === null ? null : String(c.dflt_value),
      pk: Number(c.pk),
      hidden: Number(c.hidden),
    })),
    foreignKeys: foreignKeys(keys.get(String(t.name)) ?? []),
    withoutRowid: t.wr === 1,
    strict: t.strict === 1,
  }))
  const others = readSchema(db, table).filter(
    (o) => o.type === 'view' || o.type === 'trigger' || (o.type === 'table' && !known.has(o.name)),
  )
  return { tables: model, indexes: indexes(indexRows), others }
}

/**
 * The schema model of `objects` (a snapshot from {@link readSchema}): their CREATE statements are run in a
 * scratch in-memory database, which SQLite then describes. What cannot run there (a virtual table's module,
 * an index on an application function) is compared by its text.
 */
export function schemaModelOf(objects: readonly SchemaObject[]): SchemaModel {
  const scratch = new Database(':memory:')
  try {
    const textOnly: TextObjectModel[] = []
    for (const object of sortSchema(objects)) {
      if (object.type === 'view' || object.type === 'trigger' || /^\s*CREATE\s+VIRTUAL\b/i.test(object.sql)) continue
      try {
        scratch.exec(object.sql)
      } catch {
        textOnly.push(object)
      }
    }
    const model = readSchemaModel(scratch)
    const virtual = objects.filter((o) => o.type === 'table' && /^\s*CREATE\s+VIRTUAL\b/i.test(o.sql))
    const views = objects.filter((o) => o.type === 'view' || o.type === 'trigger')
    return { ...model, others: [...virtual, ...views, ...textOnly] }
  } finally {
    scratch.close()
  }
}

/**
 * What differs between two snapshots, by meaning, as readable lines; empty when they are the same. Snapshots
 * whose text is the same apart from whitespace are the same without asking SQLite (the common case).
 */
export function schemaDifferences(expected: readonly SchemaObject[], actual: readonly SchemaObject[], sides: Sides): string[] {
  if (diffSchema(expected, actual).length === 0) return []
  return compareSchemaModels(schemaModelOf(expected), schemaModelOf(actual), sides)
}

const HEADER = '-- Generated by gulp-sqlite-migrate'

/** How `schema.sql` at `path` stands: absent, not written by this tool, or ours and matching the schema or not. */
export type SchemaFileState = 'missing' | 'foreign' | 'current' | 'stale'

function readSchemaFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r\n/g, '\n')
  } catch {
    return undefined
  }
}

/** Ours: it starts with the generated header. An empty file holds nothing to lose, so it counts as ours too. */
const isOurs = (content: string) => content.trim() === '' || content.startsWith(HEADER)

export function schemaFileState(db: Database.Database, table: string, path: string, lastMigration: string | undefined): SchemaFileState {
  const content = readSchemaFile(path)
  if (content === undefined) return 'missing'
  if (!isOurs(content)) return 'foreign'
  return content === renderSchema(readSchema(db, table), lastMigration) ? 'current' : 'stale'
}

/**
 * Writes `schema.sql` (skipped when the content is the same). A file there that this tool did not write (no
 * generated header) is never replaced: that is a `schema-file-foreign` problem.
 */
export function writeSchemaFile(db: Database.Database, table: string, path: string, lastMigration: string | undefined): void {
  const content = readSchemaFile(path)
  if (content !== undefined && !isOurs(content)) throw new MigrateError({ kind: 'schema-file-foreign', file: path })
  writeFileAtomic(path, renderSchema(readSchema(db, table), lastMigration))
}

/**
 * True when `schema.sql` matches the database's schema; `undefined` when there is no such file. A file this
 * tool did not write is not its to judge, so it is never reported as out of date (true).
 */
export function schemaFileIsCurrent(
  db: Database.Database,
  table: string,
  path: string,
  lastMigration: string | undefined,
): boolean | undefined {
  const state = schemaFileState(db, table, path, lastMigration)
  return state === 'missing' ? undefined : state !== 'stale'
}
