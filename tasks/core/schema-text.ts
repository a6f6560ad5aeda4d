/**
 * What only the CREATE text of a schema object says (SQLite reports no pragma for it): CHECK constraints,
 * a column's COLLATE, AUTOINCREMENT and generated-column expressions; and SQL normalised so that quoting,
 * keyword case and whitespace do not count as differences. Read with the SQL guard's tokenizer. Pure.
 */
import { tokenize, type Token } from './sql-guard'

/** Upper-cases ASCII letters only, as SQLite compares keywords and names. */
export const upperAscii = (text: string): string => text.replace(/[a-z]+/g, (letters) => letters.toUpperCase())

/** A word or quoted name as SQLite compares names: unquoted, ASCII upper-cased. String literals stay as written. */
function keyOf(token: Token): string {
  if (token.kind === 'word') return upperAscii(token.text)
  if (token.kind !== 'quoted') return token.text
  const open = token.text[0]
  if (open === "'") return token.text
  const inside = token.text.slice(1, -1)
  return upperAscii(open === '[' ? inside : inside.replaceAll(open + open, open))
}

/** Tokens as SQLite reads them, one space apart: `"id" integer` and `ID  INTEGER` give the same text. */
export function normaliseTokens(sql: string): string {
  return tokenize(sql)
    .map(keyOf)
    .join(' ')
    .replace(/ ?; ?$/, '')
}

/** A name as SQLite compares it: unquoted and ASCII upper-cased. */
export function nameKey(name: string): string {
  return upperAscii(name)
}

/** A piece of SQL as written (for people) and normalised (for comparing). */
export interface SqlText {
  readonly text: string
  readonly key: string
}

export interface ColumnText {
  /** COLLATE of the column, upper-cased; undefined when none is declared (BINARY). */
  readonly collation?: string
  readonly autoincrement: boolean
  /** GENERATED ALWAYS AS (expression) / AS (expression). */
  readonly generated?: SqlText
}

export interface TableText {
  /** CHECK constraints, of columns and of the table, in the order written. */
  readonly checks: readonly SqlText[]
  /** By {@link nameKey} of the column. */
  readonly columns: ReadonlyMap<string, ColumnText>
}

const isWord = (token: Token | undefined, ...words: string[]) => token?.kind === 'word' && words.includes(upperAscii(token.text))
const isPunct = (token: Token | undefined, text: string) => token?.kind === 'punct' && token.text === text

/** Index of the `)` that closes the `(` at `open`, or the last index when it is not closed. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')') && --depth === 0) return i
  }
  return tokens.length - 1
}

/** The parenthesised expression starting at `open`, without its parentheses. */
function parenthesised(sql: string, tokens: readonly Token[], open: number): SqlText {
  const close = closing(tokens, open)
  const inner = tokens.slice(open + 1, close)
  const text = inner.length === 0 ? '' : sql.slice(inner[0].start, inner[inner.length - 1].end)
  return { text, key: inner.map(keyOf).join(' ') }
}

/** The column definitions and table constraints between the outer parentheses, split at their commas. */
function definitions(tokens: readonly Token[]): Array<{ start: number; end: number }> {
  const open = tokens.findIndex((t) => isPunct(t, '(') || isWord(t, 'AS'))
  if (open === -1 || !isPunct(tokens[open], '(')) return [] // CREATE TABLE ... AS SELECT: no definitions
  const close = closing(tokens, open)
  const parts: Array<{ start: number; end: number }> = []
  let depth = 0
  let start = open + 1
  for (let i = open + 1; i < close; i++) {
    if (isPunct(tokens[i], '(')) depth++
    else if (isPunct(tokens[i], ')')) depth--
    else if (depth === 0 && isPunct(tokens[i], ',')) {
      parts.push({ start, end: i })
      start = i + 1
    }
  }
  parts.push({ start, end: close })
  return parts.filter((p) => p.end > p.start)
}

const TABLE_CONSTRAINT = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']

/** Reads one definition: a table constraint adds its CHECK; a column adds its own facts and CHECKs. */
function readDefinition(sql: string, tokens: readonly Token[], checks: SqlText[], columns: Map<string, ColumnText>): void {
  const isColumn = !isWord(tokens[0], ...TABLE_CONSTRAINT)
  let collation: string | undefined
  let autoincrement = false
  let generated: SqlText | undefined
  for (let i = isColumn ? 1 : 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (isPunct(token, '(')) {
      i = closing(tokens, i) // an expression (DEFAULT (...), a type's size) is skipped as a whole
    } else if (isWord(token, 'CHECK') && isPunct(tokens[i + 1], '(')) {
      checks.push(parenthesised(sql, tokens, i + 1))
      i = closing(tokens, i + 1)
    } else if (isColumn && isWord(token, 'AS') && isPunct(tokens[i + 1], '(')) {
      generated = parenthesised(sql, tokens, i + 1)
      i = closing(tokens, i + 1)
    } else if (isColumn && isWord(token, 'COLLATE') && tokens[i + 1]) {
      collation = keyOf(tokens[++i])
    } else if (isColumn && isWord(token, 'AUTOINCREMENT')) {
      autoincrement = true
    }
  }
  if (isColumn && tokens[0]) columns.set(keyOf(tokens[0]), { collation, autoincrement, generated })
}

/** What the CREATE TABLE text of a table says beyond its pragmas. */
export function readTableText(sql: string): TableText {
  const tokens = tokenize(sql)
  const checks: SqlText[] = []
  const columns = new Map<string, ColumnText>()
  for (const { start, end } of definitions(tokens)) readDefinition(sql, tokens.slice(start, end), checks, columns)
  return { checks, columns }
}
