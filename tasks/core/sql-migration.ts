/**
 * Reading a `.sql` migration the way real histories write them, and deciding how it runs. Pure: text in, a
 * plan of statements (each with its line) out, never SQLite.
 *
 * - dbmate's sections: `-- migrate:up` and `-- migrate:down`, with options after the marker
 *   (`transaction:false`, and `unsafe:true` for `PRAGMA writable_schema`). A file without markers is all up and
 *   has no down.
 * - A transactional section's own `BEGIN [TRANSACTION]` … `COMMIT` wrapper (or several in a row) is dropped:
 *   the runner's transaction replaces it. A `PRAGMA foreign_keys = OFF` (with or without its `ON`) makes the
 *   migration a `foreignKeys = false` one, which the runner honours outside its transaction and checks with
 *   `PRAGMA foreign_key_check`. drizzle's `--> statement-breakpoint` lines are comments to SQLite and to us.
 * - What cannot be honoured inside a transaction (VACUUM, a COMMIT without its BEGIN, ROLLBACK, a journal_mode
 *   change) is a problem with its line, so every one in every file is reported before anything runs.
 */
import { lineComments, splitStatements, statementKind, tokenize, type Token } from './sql-guard'

export interface SqlStatement {
  /** 1-based line of the statement's first token in the file. */
  readonly line: number
  /** The statement as written (comments inside it kept), without its `;`. */
  readonly sql: string
}

export interface SqlSection {
  readonly statements: readonly SqlStatement[]
}

export interface SqlMigrationProblem {
  readonly line: number
  readonly message: string
}

export interface SqlMigration {
  readonly up: SqlSection
  /** `undefined` when the file has no `-- migrate:down` section. */
  readonly down: SqlSection | undefined
  readonly transaction: boolean
  readonly foreignKeys: boolean
  readonly unsafe: boolean
  /** What was translated (a wrapper dropped, PRAGMA foreign_keys turned into the option), to be said once. */
  readonly notes: readonly string[]
  /** What cannot run as written, with the line; the migration must not run while there is one. */
  readonly problems: readonly SqlMigrationProblem[]
}

/** What is said, once per compile, of the files translated; the same words for every file, so they group. */
export const SQL_NOTES = {
  wrapper: "its BEGIN … COMMIT is replaced by the runner's transaction",
  foreignKeysOff:
    "its PRAGMA foreign_keys = OFF makes it a foreignKeys = false migration: foreign keys are off around the runner's transaction and checked with PRAGMA foreign_key_check before it commits",
  foreignKeysOn: 'its PRAGMA foreign_keys = ON is dropped: foreign keys are already on in every migration',
} as const

interface Marker {
  readonly direction: 'up' | 'down'
  readonly line: number
  /** Offset of the line after the marker. */
  readonly bodyStart: number
  readonly markerStart: number
  readonly options: ReadonlyMap<string, string>
}

const KNOWN_OPTIONS: Record<string, readonly string[]> = { transaction: ['true', 'false'], unsafe: ['true', 'false'] }

/** dbmate's `-- migrate:up`, goose's `-- +goose Up`, sql-migrate's `-- +migrate Up`; any case, any spacing. */
const MARKER = /^--\s*(?:migrate\s*:\s*|\+(?:goose|migrate)\s+)(up|down)\b(.*)$/i
/** goose's and sql-migrate's other annotations: no transaction, and statement brackets (our splitter needs none). */
const ANNOTATION = /^--\s*\+(?:goose|migrate)\s+(no\s*transaction|statement\s*(?:begin|end))\s*$/i
/** Anything that looks like a marker of some tool but is neither: refused, never read as SQL of the wrong section. */
const LOOKS_LIKE_MARKER = /^--\s*\+?\s*(?:migrate|goose)\b/i

interface Markers {
  readonly markers: readonly Marker[]
  /** goose's `-- +goose NO TRANSACTION`, sql-migrate's `notransaction`. */
  readonly noTransaction: boolean
}

function readOptions(words: string, direction: 'up' | 'down', line: number, problems: SqlMigrationProblem[]): Map<string, string> {
  const options = new Map<string, string>()
  for (const word of words.trim().split(/\s+/).filter(Boolean)) {
    const [key, value] = word.toLowerCase() === 'notransaction' ? ['transaction', 'false'] : word.split(':')
    if (!(key in KNOWN_OPTIONS) || !KNOWN_OPTIONS[key].includes(value))
      problems.push({ line, message: `unknown option "${word}" after the ${direction} marker (known: transaction:false, unsafe:true)` })
    else if (direction === 'down')
      problems.push({ line, message: `"${word}" goes after -- migrate:up: the options apply to the whole migration, up and down` })
    else options.set(key, value)
  }
  return options
}

function findMarkers(text: string, lineOf: (offset: number) => number, problems: SqlMigrationProblem[]): Markers {
  const markers: Marker[] = []
  let noTransaction = false
  for (const comment of lineComments(text)) {
    const line = lineOf(comment.start)
    const match = MARKER.exec(comment.text)
    const annotation = ANNOTATION.exec(comment.text)
    if (!match && !annotation) {
      if (LOOKS_LIKE_MARKER.test(comment.text))
        problems.push({ line, message: `"${comment.text.trim()}" is not a marker this tool reads: write -- migrate:up or -- migrate:down` })
      continue
    }
    const lineStart = text.lastIndexOf('\n', comment.start - 1) + 1
    if (text.slice(lineStart, comment.start).trim() !== '') {
      problems.push({ line, message: `"${comment.text.trim()}" must be on a line of its own` })
      continue
    }
    if (annotation) {
      noTransaction ||= /^no/i.test(annotation[1])
      continue
    }
    const direction = (match as RegExpExecArray)[1].toLowerCase() as 'up' | 'down'
    const options = readOptions((match as RegExpExecArray)[2], direction, line, problems)
    if (markers.some((m) => m.direction === direction))
      problems.push({ line, message: `a second ${direction} section; a file has one of each` })
    markers.push({ direction, line, markerStart: comment.start, bodyStart: comment.end, options })
  }
  return { markers, noTransaction }
}

function lineAt(lineStarts: readonly number[], offset: number): number {
  let low = 0
  let high = lineStarts.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if (lineStarts[mid] <= offset) low = mid
    else high = mid - 1
  }
  return low + 1
}

const isWord = (token: Token | undefined, ...words: string[]) => token?.kind === 'word' && words.includes(token.text.toUpperCase())

/** The value a `PRAGMA [schema.]foreign_keys = value` sets. */
function foreignKeysSetting(statement: readonly Token[]): 'on' | 'off' {
  const value = statement.findLast((token) => token.text !== ')' && token.text !== ';')
  const text = value?.text.replace(/^['"]|['"]$/g, '').toUpperCase()
  return text === 'OFF' || text === '0' || text === 'FALSE' || text === 'NO' ? 'off' : 'on'
}

interface SectionReading {
  readonly section: SqlSection
  readonly foreignKeysOff: boolean
  readonly notes: readonly string[]
}

interface Reader {
  readonly text: string
  readonly transactional: boolean
  readonly unsafe: boolean
  readonly hasMarkers: boolean
  readonly lineOf: (offset: number) => number
  readonly problems: SqlMigrationProblem[]
}

function refuseInTransaction(reader: Reader, tokens: readonly Token[], line: number, openBegin: number | undefined): void {
  const word = tokens[0].text.toUpperCase()
  const message =
    word === 'BEGIN'
      ? `BEGIN inside the transaction begun at line ${openBegin}: transactions do not nest`
      : word === 'ROLLBACK'
        ? 'ROLLBACK would undo the migration midway; remove it (a failing statement already rolls the whole migration back)'
        : `${word} without a BEGIN before it would commit the migration midway, without its record; remove it (the runner commits the migration together with its record)`
  reader.problems.push({ line, message })
}

/** Reads one section's statements; in a transactional section, drops the wrappers and the foreign_keys pragmas. */
function readSection(reader: Reader, start: number, end: number): SectionReading {
  const { text, transactional, unsafe, lineOf, problems } = reader
  const body = text.slice(start, end)
  const statements: SqlStatement[] = []
  let openBegin: number | undefined
  let wrappers = 0
  let foreignKeysOff = false
  let foreignKeysOn = false
  for (const tokens of splitStatements(tokenize(body))) {
    const line = lineOf(start + tokens[0].start)
    const sql = body.slice(tokens[0].start, (tokens.at(-1) as Token).end)
    const kind = statementKind(tokens)
    if (kind === 'unsafe-pragma' && !unsafe) {
      problems.push({
        line,
        message: reader.hasMarkers
          ? 'PRAGMA writable_schema needs "unsafe:true" after -- migrate:up (see "Editing sqlite_master" in docs/writing-migrations.md)'
          : 'PRAGMA writable_schema needs the opt-in: make "-- migrate:up unsafe:true" the first line of the file (see "Editing sqlite_master" in docs/writing-migrations.md)',
      })
    } else if (tokens[0].text === '.' && tokens[1]?.kind === 'word' && tokens[1].start === tokens[0].end) {
      problems.push({ line, message: `.${tokens[1].text} is a command of the sqlite3 shell, not SQL: remove it` })
    } else if (!transactional || kind === 'other' || kind === 'unsafe-pragma') {
      statements.push({ line, sql })
    } else if (kind === 'transaction-control') {
      if (isWord(tokens[0], 'BEGIN') && openBegin === undefined) openBegin = line
      else if (isWord(tokens[0], 'COMMIT', 'END') && openBegin !== undefined) {
        openBegin = undefined
        wrappers++
      } else refuseInTransaction(reader, tokens, line, openBegin)
    } else if (kind === 'foreign-keys-pragma') {
      if (foreignKeysSetting(tokens) === 'off') foreignKeysOff = true
      else foreignKeysOn = true
    } else {
      problems.push({
        line,
        message: `"${sql.replace(/\s+/g, ' ').slice(0, 60)}" cannot run inside a transaction; move it to a migration of its own whose first line is "-- migrate:up transaction:false", so that the rest of this one stays atomic`,
      })
    }
  }
  if (openBegin !== undefined)
    problems.push({ line: openBegin, message: 'BEGIN without a COMMIT after it; add the COMMIT or remove the BEGIN' })
  const notes: string[] = []
  if (wrappers > 0) notes.push(SQL_NOTES.wrapper)
  if (foreignKeysOff) notes.push(SQL_NOTES.foreignKeysOff)
  else if (foreignKeysOn) notes.push(SQL_NOTES.foreignKeysOn)
  return { section: { statements }, foreignKeysOff, notes }
}

/** Reads a `.sql` migration. Never throws: what cannot run is in `problems`, each with its line. */
export function parseSqlMigration(text: string): SqlMigration {
  const source = text.replace(/^\uFEFF/, '')
  const lineStarts = [0, ...[...source.matchAll(/\n/g)].map((m) => m.index + 1)]
  const lineOf = (offset: number) => lineAt(lineStarts, offset)
  const problems: SqlMigrationProblem[] = []
  const { markers, noTransaction } = findMarkers(source, lineOf, problems)
  const upMarker = markers.find((m) => m.direction === 'up')
  const downMarker = markers.find((m) => m.direction === 'down')
  if (markers.length > 0 && !upMarker)
    problems.push({ line: downMarker?.line ?? 1, message: 'a -- migrate:down section without a -- migrate:up one' })
  const first = Math.min(source.length, ...markers.map((m) => m.markerStart))
  const stray = markers.length > 0 ? tokenize(source.slice(0, first))[0] : undefined
  if (stray) problems.push({ line: lineOf(stray.start), message: 'a statement before the first -- migrate: marker, in no section' })
  const reader: Reader = {
    text: source,
    transactional: upMarker?.options.get('transaction') !== 'false' && !noTransaction,
    hasMarkers: markers.length > 0,
    unsafe: upMarker?.options.get('unsafe') === 'true',
    lineOf,
    problems,
  }
  const endOf = (marker: Marker) =>
    Math.min(source.length, ...markers.filter((m) => m.markerStart > marker.markerStart).map((m) => m.markerStart))
  const read = (marker: Marker | undefined) => (marker ? readSection(reader, marker.bodyStart, endOf(marker)) : undefined)
  const up = markers.length === 0 ? readSection(reader, 0, source.length) : read(upMarker)
  const down = read(downMarker)
  if (up && up.section.statements.length === 0 && !problems.some((p) => p.line >= (upMarker?.line ?? 0)))
    problems.push({
      line: upMarker?.line ?? 1,
      message: 'the up section has no statements: write the migration (SELECT 1; for one that does nothing on purpose), or delete the file',
    })
  return {
    up: up?.section ?? { statements: [] },
    down: down?.section,
    transaction: reader.transactional,
    foreignKeys: !(up?.foreignKeysOff || down?.foreignKeysOff),
    unsafe: reader.unsafe,
    notes: [...new Set([...(up?.notes ?? []), ...(down?.notes ?? [])])],
    problems: problems.sort((a, b) => a.line - b.line),
  }
}
