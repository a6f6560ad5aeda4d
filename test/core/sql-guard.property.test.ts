/**
 * The guard on generated SQL: every refused statement (and allowed look-alikes) in every spelling SQLite accepts,
 * with any quoting of names, any letter case, comments and line breaks between tokens, after other statements
 * and trigger bodies full of BEGIN, END, CASE and RAISE(ROLLBACK).
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { classifySql, transactionalViolation, type StatementKind } from '../../tasks/core/sql-guard'

/**
 * A statement template: tokens separated by single spaces. `@name` is a name, quoted or not; `@@name` a name that
 * must be quoted (a reserved word); an all-capitals word is a keyword; anything else is written as is.
 */
type Template = string

const QUOTES = [
  ['', ''],
  ['"', '"'],
  ["'", "'"],
  ['[', ']'],
  ['`', '`'],
] as const

/** Writes one token of a template, given its letter case and quoting choice. */
function spell(token: string, upper: readonly boolean[], quoting: number): string {
  const word = token.replace(/^@@?/, '')
  const cased = [...word].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('')
  if (token.startsWith('@@')) return QUOTES[1 + (quoting % 4)].join(cased)
  if (token.startsWith('@')) return QUOTES[quoting % 5].join(cased)
  return /^[A-Z_]+$/.test(token) ? cased : token
}

// What may stand between two tokens: nothing, spaces, line breaks, comments (which hold SQL that must not count).
const GAPS = [' ', '\t', '\n', '\r\n', '\f', '/**/', '/* COMMIT; */', "/* it's; END; */", '-- PRAGMA foreign_keys = OFF;\n', '--\n']
const separator = fc.array(fc.constantFrom(...GAPS), { maxLength: 3 }).map((parts) => parts.join(''))

/** Joins two spellings; a space where nothing would merge them into one token ("a""b", x'00', ab). */
function join(left: string, between: string, right: string): string {
  const sticky = /[\w$'"`[\]\u0080-\uffff]/
  return between === '' && sticky.test(left.at(-1) ?? '') && sticky.test(right[0] ?? '') ? `${left} ${right}` : left + between + right
}

/** Every spelling of a template. */
function spelled(template: Template): fc.Arbitrary<string> {
  const tokens = template.split(' ')
  const choice = fc.record({ upper: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), quoting: fc.nat(), before: separator })
  return fc
    .array(choice, { minLength: tokens.length, maxLength: tokens.length })
    .map((choices) =>
      tokens.reduce((sql, token, i) => join(sql, i === 0 ? '' : choices[i].before, spell(token, choices[i].upper, choices[i].quoting)), ''),
    )
}

const pick = (...options: Template[]) => fc.constantFrom(...options)
const optional = (...options: Template[]) => pick('', ...options)
const words = (...parts: Template[]) => parts.filter((part) => part !== '').join(' ')

const schema = optional('@main .', '@temp .')
const assignment = pick('= OFF', '== 0', "= 'off'", '( 0 )', '= -1', '= WAL', '( FULL )', '= 4096')
const transactionName = optional('TRANSACTION', 'TRANSACTION @tx', 'TRANSACTION @@to')

const refused: Array<fc.Arbitrary<[Template, StatementKind]>> = [
  fc.tuple(schema, assignment).map(([s, value]) => [words('PRAGMA', s, '@foreign_keys', value), 'foreign-keys-pragma']),
  // SQLite applies it while compiling, so EXPLAIN does too (EXPLAIN cannot open the temp schema).
  fc
    .tuple(pick('EXPLAIN', 'EXPLAIN QUERY PLAN'), optional('@main .'), assignment)
    .map(([explain, s, value]) => [words(explain, 'PRAGMA', s, '@foreign_keys', value), 'foreign-keys-pragma']),
  fc
    .tuple(schema, pick('@journal_mode', '@auto_vacuum', '@page_size'), assignment)
    .map(([s, name, value]) => [words('PRAGMA', s, name, value), 'needs-no-transaction']),
  fc
    .tuple(optional('DEFERRED', 'IMMEDIATE', 'EXCLUSIVE'), optional('TRANSACTION', 'TRANSACTION @tx'))
    .map(([mode, tx]) => [words('BEGIN', mode, tx), 'transaction-control']),
  fc.tuple(pick('COMMIT', 'END', 'ROLLBACK'), transactionName).map(([verb, tx]) => [words(verb, tx), 'transaction-control']),
  fc.tuple(optional('@main'), optional("INTO 'copy.db'")).map(([name, into]) => [words('VACUUM', name, into), 'needs-no-transaction']),
]

// Names SQLite lets stand bare although they are keywords (BEGIN, END), and one it does not (CASE).
const column = pick('@begin', '@end', '@@case', '@n')
const bodyCommand = fc
  .tuple(column, column)
  .chain(([a, b]) =>
    pick(
      `UPDATE @t SET ${a} = CASE WHEN NEW . ${b} THEN 1 ELSE 0 END WHERE @t . @end = OLD . ${b} ;`,
      `SELECT RAISE ( ROLLBACK , 'no;COMMIT' ) WHERE NEW . ${a} IS NULL ;`,
      `INSERT INTO @log VALUES ( ';END;COMMIT' ) ;`,
      `DELETE FROM @log WHERE @x = CASE NEW . ${a} WHEN 1 THEN 'BEGIN' END ;`,
      `SELECT CASE WHEN 1 THEN CASE ${a} WHEN 2 THEN 3 END END FROM @t ;`,
      `UPDATE @t SET ${a} = ${b} WHERE ${b} = @end ;`,
    ),
  )
const trigger = fc
  .tuple(
    optional('TEMP', 'TEMPORARY'),
    optional('IF NOT EXISTS'),
    pick('@tr', '@begin', '@end'),
    pick('BEFORE', 'AFTER'),
    column,
    optional('FOR EACH ROW'),
    optional('WHEN NEW . @begin IS NOT NULL', 'WHEN OLD . @end <> 0'),
    fc.array(bodyCommand, { minLength: 1, maxLength: 3 }),
  )
  .map(([temp, ifNotExists, name, when, col, each, condition, body]) =>
    words('CREATE', temp, 'TRIGGER', ifNotExists, name, when, 'UPDATE OF', col, ', @end ON @t', each, condition, 'BEGIN', ...body, 'END'),
  )

const allowed: Array<fc.Arbitrary<Template>> = [
  fc
    .tuple(schema, pick('@foreign_keys', '@journal_mode', '@auto_vacuum', '@page_size', '@foreign_key_check'))
    .map(([s, name]) => words('PRAGMA', s, name)),
  fc
    .tuple(schema, pick('@foreign_key_list ( @t )', '@defer_foreign_keys = ON', '@legacy_alter_table = ON'))
    .map(([s, rest]) => words('PRAGMA', s, rest)),
  fc.tuple(transactionName, optional('SAVEPOINT')).map(([tx, sp]) => words('ROLLBACK', tx, 'TO', sp, '@sp')),
  pick('SAVEPOINT @sp', 'RELEASE @sp', 'RELEASE SAVEPOINT @sp', "SELECT 'COMMIT;PRAGMA/**/foreign_keys=OFF;VACUUM' , @@end FROM @t"),
  trigger,
]

const statement = fc.oneof(
  ...refused.map((template) => template.chain(([t, kind]) => spelled(t).map((sql) => ({ sql, kind })))),
  ...allowed.map((template) => template.chain((t) => spelled(t).map((sql) => ({ sql, kind: 'other' as StatementKind })))),
)

const script = fc
  .tuple(fc.array(fc.tuple(statement, separator, separator), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([parts, trailing]) => ({
    sql: parts.map(([s, before, after], i) => (i === 0 ? '' : ';') + before + s.sql + after).join('') + (trailing ? ';' : ''),
    kinds: parts.map(([s]) => s.kind),
  }))

describe('core/sql-guard (property)', () => {
  it('classifies every statement of generated scripts, in order, whatever the spelling', async () => {
    fc.assert(
      fc.property(script, ({ sql, kinds }) => {
        assert.deepEqual(classifySql(sql), kinds, sql)
        assert.equal(
          transactionalViolation(sql) === undefined,
          kinds.every((kind) => kind === 'other'),
          sql,
        )
      }),
      { numRuns: 200 },
    )
  })

  it('never flags keywords hidden in string literals or comments', async () => {
    const keyword = fc.constantFrom('BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'PRAGMA foreign_keys = OFF', 'VACUUM')
    fc.assert(
      fc.property(keyword, fc.string(), (word, noise) => {
        const literal = `'${(noise + word).replace(/'/g, "''")}'`
        assert.deepEqual(classifySql(`SELECT ${literal}`), ['other'])
        assert.deepEqual(classifySql(`/* ${(noise + word).replace(/\*\//g, '')} */ SELECT 1`), ['other'])
        assert.deepEqual(classifySql(`SELECT 1 -- ${(noise + word).replace(/\n/g, '')}`), ['other'])
      }),
    )
  })
})
