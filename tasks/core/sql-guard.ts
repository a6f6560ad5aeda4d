/**
 * Classifies the SQL a migration runs, so statements that SQLite silently ignores or that would break the
 * runner's transaction are refused before they run. Pure: a small tokenizer that reads quotes, comments and
 * trigger bodies the way SQLite's does, no SQLite.
 */

export type StatementKind =
  /** BEGIN, COMMIT, END, ROLLBACK (not ROLLBACK TO): the runner owns the transaction. */
  | 'transaction-control'
  /** PRAGMA foreign_keys = ...: a no-op inside a transaction. */
  | 'foreign-keys-pragma'
  /** VACUUM, PRAGMA journal_mode = ...: cannot run inside a transaction. */
  | 'needs-no-transaction'
  /** PRAGMA writable_schema = ...: refused by better-sqlite3's defensive mode unless the migration opts in. */
  | 'unsafe-pragma'
  | 'other'

export interface Token {
  /** `word`: bare, may be a keyword. `quoted`: "name", 'text', [name] or `name`, never a keyword. `punct`: the rest. */
  kind: 'word' | 'quoted' | 'punct'
  /** As written: `sql.slice(start, end)`. */
  text: string
  start: number
  end: number
}

// Read like SQLite's tokenizer does: a `--` comment ends at a newline and a `/*` one at `*/` or the end of the
// input; a quote is escaped by doubling it (not inside []); spaces are ASCII only (U+00A0 is a name character to
// SQLite; \v is an error inside a statement, skipped between statements); `$name(...)` is one parameter up to a
// space or `)`. An unclosed quote is not a quoted token but punctuation: SQLite rejects it, and the guard keeps
// reading what follows, so it cannot hide a statement.
const SPACE = /[ \t\n\v\f\r]+/y
const WORD = /[\w\u0080-\uffff][\w$\u0080-\uffff]*/y
const PUNCT = /\?\d*|[$@:#](?:::|[\w$\u0080-\uffff])*(?:\([^ \t\n\v\f\r)]*\)?)?|==|[\s\S]/y

/** Where the match of a sticky `pattern` at `at` ends, or -1. */
function matchEnd(pattern: RegExp, sql: string, at: number): number {
  pattern.lastIndex = at
  return pattern.test(sql) ? pattern.lastIndex : -1
}

/** Where the comment at `at` ends (the end of the input when it is not closed), or -1 when there is none. */
function commentEnd(sql: string, at: number): number {
  const close = sql.startsWith('--', at) ? '\n' : sql.startsWith('/*', at) ? '*/' : undefined
  if (close === undefined) return -1
  const end = sql.indexOf(close, at + 2)
  return end === -1 ? sql.length : end + close.length
}

const CLOSING_QUOTES = new Map([
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['[', ']'],
])

/** Where the quoted token at `at` ends, or -1 when there is none or it is not closed. */
function quotedEnd(sql: string, at: number): number {
  const close = CLOSING_QUOTES.get(sql[at])
  if (close === undefined) return -1
  let end = sql.indexOf(close, at + 1)
  while (end !== -1 && close !== ']' && sql[end + 1] === close) end = sql.indexOf(close, end + 2)
  return end === -1 ? -1 : end + 1
}

/** Upper-cases ASCII letters only, as SQLite compares keywords and names. */
const upperAscii = (text: string) => text.replace(/[a-z]+/g, (letters) => letters.toUpperCase())

/** A word or quoted name as SQLite compares them: unquoted, ASCII upper-cased (it accepts PRAGMA "Foreign_Keys"). */
function nameOf(token: Token): string {
  if (token.kind !== 'quoted') return upperAscii(token.text)
  const open = token.text[0]
  const inside = token.text.slice(1, -1)
  return upperAscii(open === '[' ? inside : inside.replaceAll(open + open, open))
}

/** The kind and end of the token at `at`. */
function tokenAt(sql: string, at: number): [Token['kind'] | 'space', number] {
  const space = Math.max(commentEnd(sql, at), matchEnd(SPACE, sql, at))
  if (space !== -1) return ['space', space]
  const quoted = quotedEnd(sql, at)
  if (quoted !== -1) return ['quoted', quoted]
  const word = matchEnd(WORD, sql, at)
  return word !== -1 ? ['word', word] : ['punct', matchEnd(PUNCT, sql, at)]
}

/** The `--` comments of `sql` (never text inside a string or a block comment), without their line end. */
export function lineComments(sql: string): Array<{ readonly start: number; readonly end: number; readonly text: string }> {
  const comments = []
  for (let at = 0; at < sql.length;) {
    const [, end] = tokenAt(sql, at)
    if (sql.startsWith('--', at)) comments.push({ start: at, end, text: sql.slice(at, end).replace(/\r?\n$/, '') })
    at = end
  }
  return comments
}

/** The tokens of `sql`, without spaces and comments. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  for (let at = 0; at < sql.length;) {
    const [kind, end] = tokenAt(sql, at)
    if (kind !== 'space') tokens.push({ kind, text: sql.slice(at, end), start: at, end })
    at = end
  }
  return tokens
}

const isKeyword = (token: Token | undefined, ...keywords: string[]) => token?.kind === 'word' && keywords.includes(nameOf(token))
const isPunct = (token: Token | undefined, ...texts: string[]) => token?.kind === 'punct' && texts.includes(token.text)

/** The first `count` tokens of a statement after any EXPLAIN [QUERY PLAN] (which still compiles it). */
function leading(statement: readonly Token[], count: number): readonly Token[] {
  if (!isKeyword(statement[0], 'EXPLAIN')) return statement.slice(0, count)
  const skip = isKeyword(statement[1], 'QUERY') && isKeyword(statement[2], 'PLAN') ? 3 : 1
  return statement.slice(skip, skip + count)
}

function isCreateTrigger(statement: readonly Token[]): boolean {
  const [create, temp, trigger] = leading(statement, 3)
  return (
    isKeyword(create, 'CREATE') && (isKeyword(temp, 'TRIGGER') || (isKeyword(temp, 'TEMP', 'TEMPORARY') && isKeyword(trigger, 'TRIGGER')))
  )
}

/**
 * Splits tokens into statements at `;`. In CREATE TRIGGER ... BEGIN cmd; cmd; END, every `;` ends a command of
 * the body, and the trigger ends at the END right after one of them: a command never starts with END, so an
 * END anywhere else (CASE ... END, a column `t.end`) does not matter and nothing needs counting.
 */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = []
  let statement: Token[] = []
  const finish = () => {
    if (statement.length > 0) statements.push(statement)
    statement = []
  }
  for (const token of tokens) {
    if (isPunct(token, ';') && !isCreateTrigger(statement)) {
      finish()
      continue
    }
    const afterBodyCommand = isPunct(statement.at(-1), ';') // only trigger statements keep their `;`
    statement.push(token)
    if (afterBodyCommand && isKeyword(token, 'END')) finish()
  }
  finish()
  return statements
}

/** Splits SQL into statements and returns each statement's tokens: words upper-cased, the rest as written. */
export function statementWords(sql: string): string[][] {
  return splitStatements(tokenize(sql)).map((statement) => statement.map((token) => (token.kind === 'word' ? nameOf(token) : token.text)))
}

const REFUSED_PRAGMAS = new Map<string, StatementKind>([
  ['FOREIGN_KEYS', 'foreign-keys-pragma'],
  ['JOURNAL_MODE', 'needs-no-transaction'],
  ['AUTO_VACUUM', 'needs-no-transaction'],
  ['PAGE_SIZE', 'needs-no-transaction'],
  ['WRITABLE_SCHEMA', 'unsafe-pragma'],
])

/**
 * PRAGMA [schema.]name [= value | (value)]. Only setting a pragma is refused: reading one is fine.
 * defer_foreign_keys and legacy_alter_table are allowed: they work inside a transaction.
 */
function classifyPragma(afterPragma: readonly Token[]): StatementKind {
  const [first, second, third, fourth] = afterPragma
  const [name, next] = isPunct(second, '.') ? [third, fourth] : [first, second]
  if (name === undefined || name.kind === 'punct' || !isPunct(next, '=', '==', '(')) return 'other'
  return REFUSED_PRAGMAS.get(nameOf(name)) ?? 'other'
}

/** What kind of statement this is, for the guard and for reading `.sql` migrations. */
export function statementKind(statement: readonly Token[]): StatementKind {
  const [first, ...rest] = leading(statement, 5)
  if (isKeyword(first, 'BEGIN', 'COMMIT', 'END')) return 'transaction-control'
  // ROLLBACK [TRANSACTION [name]] TO [SAVEPOINT] name: TO is reserved, so a bare TO is never a name.
  if (isKeyword(first, 'ROLLBACK')) return statement.some((token) => isKeyword(token, 'TO')) ? 'other' : 'transaction-control'
  if (isKeyword(first, 'VACUUM', 'ATTACH', 'DETACH')) return 'needs-no-transaction'
  if (isKeyword(first, 'PRAGMA')) return classifyPragma(rest)
  return 'other'
}

/** The kinds of every statement in `sql`, in order. */
export function classifySql(sql: string): StatementKind[] {
  return splitStatements(tokenize(sql)).map(statementKind)
}

/** A statement as written, for messages: comments dropped, spaces collapsed, cut short when long. */
function quoteStatement(statement: readonly Token[]): string {
  const text = statement.map((token, i) => (i > 0 && statement[i - 1].end < token.start ? ' ' : '') + token.text).join('')
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Why these statements must not run inside the runner's transaction, or `undefined` when they may. */
function violationOf(statements: readonly (readonly Token[])[], allowUnsafe: boolean): string | undefined {
  for (const statement of statements) {
    const kind = statementKind(statement)
    if (kind === 'unsafe-pragma' && !allowUnsafe) {
      return (
        "PRAGMA writable_schema is refused: better-sqlite3 opens connections in SQLite's defensive mode, where editing " +
        'sqlite_master fails. If the migration really must, export `const unsafe = true` from it (it then runs with ' +
        'db.unsafeMode(); see "Editing sqlite_master" in the docs)'
      )
    }
    if (kind === 'transaction-control') {
      return (
        'the migration runs its own BEGIN/COMMIT/ROLLBACK, but each migration already runs in a transaction ' +
        'managed by gulp-sqlite-migrate. Remove those statements (use db.transaction() or SAVEPOINT for nested ' +
        'work), or export `const transaction = false` to manage transactions yourself'
      )
    }
    if (kind === 'foreign-keys-pragma') {
      return (
        'PRAGMA foreign_keys has no effect inside a transaction, so foreign keys would stay ON and a DROP TABLE ' +
        'could cascade-delete child rows. Remove the PRAGMA and export `const foreignKeys = false` from the ' +
        'migration: the runner turns foreign keys off before its transaction, runs PRAGMA foreign_key_check ' +
        'before committing, and restores them afterwards'
      )
    }
    if (kind === 'needs-no-transaction') {
      return (
        `"${quoteStatement(statement)}" cannot run inside a transaction. Move it to a migration of its own that ` +
        'exports `const transaction = false`, so that the rest of this migration stays atomic'
      )
    }
  }
  return undefined
}

/** `"a""b"` → `a"b`, `[x]` → `x`: the name a token stands for, in its own case. */
function unquoted(token: Token): string {
  if (token.kind !== 'quoted') return token.text
  const open = token.text[0]
  const inside = token.text.slice(1, -1)
  return open === '[' ? inside : inside.replaceAll(open + open, open)
}

/** The table a `DROP TABLE [IF EXISTS] [schema.]name` statement drops, or `undefined` for any other statement. */
function droppedTable(statement: readonly Token[]): string | undefined {
  const [drop, table, ...rest] = leading(statement, 7)
  if (!isKeyword(drop, 'DROP') || !isKeyword(table, 'TABLE')) return undefined
  const at = isKeyword(rest[0], 'IF') && isKeyword(rest[1], 'EXISTS') ? 2 : 0
  const name = isPunct(rest[at + 1], '.') ? rest[at + 2] : rest[at]
  return name && name.kind !== 'punct' ? unquoted(name) : undefined
}

export interface SqlInspection {
  /** Why the SQL must not run inside the runner's transaction (saying what to do instead), or `undefined`. */
  readonly violation: string | undefined
  /** The tables it drops, so that a drop foreign keys would turn into a silent cascade can be refused. */
  readonly droppedTables: readonly string[]
  /** It runs a PRAGMA (which may change a setting of the connection, to be put back after the migration). */
  readonly hasPragma: boolean
}

/**
 * Readings of the texts seen last: a fleet runs the same migration texts on every database, and a migration's
 * loop runs the same statement many times. Bounded, so that a data migration of a million distinct INSERT texts
 * does not keep them all.
 */
const readings = new Map<string, SqlInspection>()
const READINGS_KEPT = 2000

/** What the guard needs to know of `sql`, from one reading of it. */
export function inspectSql(sql: string, options: { readonly allowUnsafe?: boolean } = {}): SqlInspection {
  const key = `${options.allowUnsafe === true ? 1 : 0}${sql}`
  const known = readings.get(key)
  if (known) return known
  const reading = readSql(sql, options.allowUnsafe === true)
  if (readings.size >= READINGS_KEPT) readings.clear()
  readings.set(key, reading)
  return reading
}

function readSql(sql: string, allowUnsafe: boolean): SqlInspection {
  const statements = splitStatements(tokenize(sql))
  const droppedTables = statements.map(droppedTable).filter((name): name is string => name !== undefined)
  const hasPragma = statements.some((statement) => isKeyword(leading(statement, 1)[0], 'PRAGMA'))
  return Object.freeze({ violation: violationOf(statements, allowUnsafe), droppedTables, hasPragma })
}

/**
 * Why `sql` must not run inside the runner's transaction, or `undefined` when it may.
 * The messages say what to do instead.
 */
export function transactionalViolation(sql: string): string | undefined {
  return inspectSql(sql).violation
}
