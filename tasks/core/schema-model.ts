/**
 * Schemas compared by meaning, not by text: the facts SQLite reports about each table (its pragmas, read by
 * `io/schema.ts`) and what only the CREATE text says (`schema-text.ts`). The order of constraints, quoting,
 * keyword case and whitespace are not differences; a real difference is one readable line, such as
 * `table users: column email: NOT NULL → nullable`. Names compare case-insensitively, as SQLite compares them;
 * the names of auto-indexes (sqlite_autoindex_*) are SQLite's and are ignored, what they enforce is not. Pure.
 */
import { nameKey, normaliseTokens, readTableText, type ColumnText, type SqlText } from './schema-text'

export interface ColumnModel {
  readonly name: string
  /** The declared type as written ('' when none). */
  readonly type: string
  readonly notNull: boolean
  /** The default as written, or null. */
  readonly defaultValue: string | null
  /** Position in the primary key, from 1; 0 when not part of it. */
  readonly pk: number
  /** 0 an ordinary column, 2 a generated VIRTUAL column, 3 a generated STORED one (pragma table_xinfo). */
  readonly hidden: number
}

export interface IndexColumnModel {
  /** null for an expression. */
  readonly name: string | null
  readonly desc: boolean
  readonly collation: string
}

export interface IndexModel {
  readonly name: string
  readonly table: string
  readonly unique: boolean
  /** `c` CREATE INDEX; `u` a UNIQUE constraint; `pk` a PRIMARY KEY constraint (the last two are auto-indexes). */
  readonly origin: 'c' | 'u' | 'pk'
  readonly columns: readonly IndexColumnModel[]
  /** The CREATE INDEX text; null for an auto-index. */
  readonly sql: string | null
}

export interface ForeignKeyModel {
  readonly table: string
  readonly from: readonly string[]
  /** null where the parent's primary key is meant. */
  readonly to: ReadonlyArray<string | null>
  readonly onUpdate: string
  readonly onDelete: string
  readonly match: string
}

export interface TableModel {
  readonly name: string
  readonly sql: string
  readonly columns: readonly ColumnModel[]
  readonly foreignKeys: readonly ForeignKeyModel[]
  readonly withoutRowid: boolean
  readonly strict: boolean
}

/** Compared by normalised CREATE text: views, triggers, virtual tables, and what SQLite could not be asked about. */
export interface TextObjectModel {
  readonly type: string
  readonly name: string
  readonly sql: string
}

export interface SchemaModel {
  readonly tables: readonly TableModel[]
  readonly indexes: readonly IndexModel[]
  readonly others: readonly TextObjectModel[]
}

/** How the two sides are called in the lines: e.g. `{ actual: 'after down' }` gives `missing after down`. */
export interface Sides {
  readonly actual: string
}

const list = (items: readonly string[]) => `(${items.join(', ')})`

/** Lines for what is only on one side, keyed by `key`; `changed` compares what is on both. */
function pair<T>(
  expected: readonly T[],
  actual: readonly T[],
  key: (item: T) => string,
  label: (item: T) => string,
  sides: Sides,
  changed: (e: T, a: T) => string[] = () => [],
): string[] {
  const byKey = new Map(actual.map((a) => [key(a), a]))
  const known = new Set(expected.map(key))
  const lines: string[] = []
  for (const e of expected) {
    const a = byKey.get(key(e))
    lines.push(...(a === undefined ? [`${label(e)}: missing ${sides.actual}`] : changed(e, a)))
  }
  for (const a of actual) if (!known.has(key(a))) lines.push(`${label(a)}: extra ${sides.actual}`)
  return lines
}

/** Lines for a multiset of constraints described by `describe`, compared by `key`. */
function constraints<T>(
  expected: readonly T[],
  actual: readonly T[],
  key: (item: T) => string,
  describe: (item: T) => string,
  sides: Sides,
) {
  const counted = (items: readonly T[]) => {
    const seen = new Map<string, number>()
    return items.map((item) => {
      const k = key(item)
      seen.set(k, (seen.get(k) ?? 0) + 1)
      return { item, key: `${k}#${seen.get(k)}` }
    })
  }
  return pair(
    counted(expected),
    counted(actual),
    (c) => c.key,
    (c) => describe(c.item),
    sides,
  )
}

const change = (what: string, before: string, after: string) => (before === after ? [] : [`${what}${before} → ${after}`])

function columnLines(e: ColumnModel, a: ColumnModel, eText: ColumnText | undefined, aText: ColumnText | undefined): string[] {
  const type = (c: ColumnModel) => c.type || 'no type'
  const generated = (c: ColumnModel, t: ColumnText | undefined) =>
    c.hidden === 2 || c.hidden === 3
      ? `generated ${c.hidden === 3 ? 'STORED' : 'VIRTUAL'} AS (${t?.generated?.text ?? '?'})`
      : 'not generated'
  const generatedKey = (c: ColumnModel, t: ColumnText | undefined) => `${c.hidden} ${t?.generated?.key ?? ''}`
  return [
    ...(normaliseTokens(e.type) === normaliseTokens(a.type) ? [] : change('type ', type(e), type(a))),
    ...change('', e.notNull ? 'NOT NULL' : 'nullable', a.notNull ? 'NOT NULL' : 'nullable'),
    ...(normaliseTokens(e.defaultValue ?? '') === normaliseTokens(a.defaultValue ?? '')
      ? []
      : change('default ', e.defaultValue ?? 'none', a.defaultValue ?? 'none')),
    ...change('collation ', eText?.collation ?? 'BINARY', aText?.collation ?? 'BINARY'),
    ...(generatedKey(e, eText) === generatedKey(a, aText) ? [] : change('', generated(e, eText), generated(a, aText))),
  ].map((line) => `column ${e.name}: ${line}`)
}

/** Changes of something whose `key` decides and whose `text` is shown. */
const changeBy = (what: string, e: SqlText, a: SqlText) => (e.key === a.key ? [] : [`${what}${e.text} → ${a.text}`])

function primaryKey(table: TableModel, text: ReadonlyMap<string, ColumnText>): SqlText {
  const columns = table.columns.filter((c) => c.pk > 0).sort((x, y) => x.pk - y.pk)
  if (columns.length === 0) return { text: 'none', key: 'none' }
  const auto = columns.some((c) => text.get(nameKey(c.name))?.autoincrement) ? ' AUTOINCREMENT' : ''
  return { text: `${list(columns.map((c) => c.name))}${auto}`, key: nameKey(`${list(columns.map((c) => c.name))}${auto}`) }
}

function indexColumns(index: IndexModel): string {
  return list(
    index.columns.map(
      (c) =>
        `${c.name ?? '<expression>'}${c.collation.toUpperCase() === 'BINARY' ? '' : ` COLLATE ${c.collation}`}${c.desc ? ' DESC' : ''}`,
    ),
  )
}

const foreignKey = (fk: ForeignKeyModel) =>
  `foreign key ${list(fk.from)} → ${fk.table}${fk.to.every((c) => c === null) ? '' : list(fk.to.map((c) => c ?? '?'))}` +
  (fk.onUpdate === 'NO ACTION' ? '' : ` ON UPDATE ${fk.onUpdate}`) +
  (fk.onDelete === 'NO ACTION' ? '' : ` ON DELETE ${fk.onDelete}`) +
  (fk.match === 'NONE' ? '' : ` MATCH ${fk.match}`)

function tableLines(e: TableModel, a: TableModel, eUnique: readonly IndexModel[], aUnique: readonly IndexModel[], sides: Sides): string[] {
  const eText = readTableText(e.sql)
  const aText = readTableText(a.sql)
  const flag = (t: TableModel) => [t.withoutRowid ? 'WITHOUT ROWID' : 'rowid', ...(t.strict ? ['STRICT'] : [])].join(', ')
  const names = (t: TableModel) => t.columns.map((c) => nameKey(c.name))
  const order = (t: TableModel): SqlText => ({ text: t.columns.map((c) => c.name).join(', '), key: names(t).join(', ') })
  const sameSet = [...names(e)].sort().join() === [...names(a)].sort().join()
  const lines = [
    ...change('', flag(e), flag(a)),
    ...pair(
      e.columns,
      a.columns,
      (c) => nameKey(c.name),
      (c) => `column ${c.name}`,
      sides,
      (ec, ac) => columnLines(ec, ac, eText.columns.get(nameKey(ec.name)), aText.columns.get(nameKey(ac.name))),
    ),
    ...(sameSet ? changeBy('column order ', order(e), order(a)) : []),
    ...changeBy('primary key ', primaryKey(e, eText.columns), primaryKey(a, aText.columns)),
    ...constraints(
      eUnique,
      aUnique,
      (i) => nameKey(indexColumns(i)),
      (i) => `unique ${indexColumns(i)}`,
      sides,
    ),
    ...constraints(e.foreignKeys, a.foreignKeys, (fk) => nameKey(foreignKey(fk)), foreignKey, sides),
    ...constraints(
      eText.checks,
      aText.checks,
      (c: SqlText) => c.key,
      (c: SqlText) => `check (${c.text})`,
      sides,
    ),
  ]
  return lines.map((line) => `table ${e.name}: ${line}`)
}

function indexLines(e: IndexModel, a: IndexModel): string[] {
  const lines = [
    ...(nameKey(e.table) === nameKey(a.table) ? [] : change('on ', e.table, a.table)),
    ...change('', e.unique ? 'unique' : 'not unique', a.unique ? 'unique' : 'not unique'),
    ...(nameKey(indexColumns(e)) === nameKey(indexColumns(a)) ? [] : change('columns ', indexColumns(e), indexColumns(a))),
  ]
  // The same columns, but another expression or WHERE clause: only the text tells.
  if (lines.length === 0 && normaliseTokens(e.sql ?? '') !== normaliseTokens(a.sql ?? ''))
    lines.push(`${collapse(e.sql ?? '')} → ${collapse(a.sql ?? '')}`)
  return lines.map((line) => `index ${e.name}: ${line}`)
}

const collapse = (sql: string) => sql.replace(/\s+/g, ' ').trim()

function textLines(e: TextObjectModel, a: TextObjectModel, sides: Sides): string[] {
  if (normaliseTokens(e.sql) === normaliseTokens(a.sql)) return []
  return [`${e.type} ${e.name}: differs ${sides.actual}`, `  expected: ${collapse(e.sql)}`, `  ${sides.actual}: ${collapse(a.sql)}`]
}

/**
 * What differs between two schemas, as readable lines (empty when they mean the same): tables with their
 * columns (type, NOT NULL, default, collation, generated), primary key, UNIQUE, FOREIGN KEY and CHECK
 * constraints and flags; indexes; views, triggers and virtual tables by their normalised text.
 */
export function compareSchemaModels(expected: SchemaModel, actual: SchemaModel, sides: Sides = { actual: 'now' }): string[] {
  const uniques = (model: SchemaModel, table: TableModel) =>
    model.indexes.filter((i) => i.origin === 'u' && nameKey(i.table) === nameKey(table.name))
  const named = (model: SchemaModel) => model.indexes.filter((i) => i.origin === 'c')
  return [
    ...pair(
      expected.tables,
      actual.tables,
      (t) => nameKey(t.name),
      (t) => `table ${t.name}`,
      sides,
      (e, a) => tableLines(e, a, uniques(expected, e), uniques(actual, a), sides),
    ),
    ...pair(
      named(expected),
      named(actual),
      (i) => nameKey(i.name),
      (i) => `index ${i.name}`,
      sides,
      indexLines,
    ),
    ...pair(
      expected.others,
      actual.others,
      (o) => `${o.type} ${nameKey(o.name)}`,
      (o) => `${o.type} ${o.name}`,
      sides,
      (e, a) => textLines(e, a, sides),
    ),
  ]
}
