/** Reading `.sql` migrations as real histories write them (dbmate sections, BEGIN/COMMIT wrappers, PRAGMA pairs, drizzle). */
import { strict as assert } from 'node:assert'
import { parseSqlMigration, type SqlMigration } from '../../tasks/core/sql-migration'
import { renderSqlModule } from '../../tasks/core/sql-module'

const sqlOf = (m: SqlMigration, direction: 'up' | 'down' = 'up') => (m[direction]?.statements ?? []).map((s) => s.sql)
const linesOf = (m: SqlMigration) => m.up.statements.map((s) => s.line)
const problems = (text: string) => parseSqlMigration(text).problems.map((p) => `${p.line}: ${p.message}`)

describe('core/sql-migration', () => {
  it('a file without markers is all up, with no down, in a transaction, statements with their lines', async () => {
    const m = parseSqlMigration('-- a comment\nCREATE TABLE a (x);\n\nCREATE INDEX a_x\n  ON a (x);\n')
    assert.deepEqual(sqlOf(m), ['CREATE TABLE a (x)', 'CREATE INDEX a_x\n  ON a (x)'])
    assert.deepEqual(linesOf(m), [2, 4])
    assert.equal(m.down, undefined)
    assert.deepEqual([m.transaction, m.foreignKeys, m.unsafe, m.notes, m.problems], [true, true, false, [], []])
  })

  it("reads dbmate's -- migrate:up and -- migrate:down sections and their options", async () => {
    const m = parseSqlMigration('-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\nDROP TABLE a;\n')
    assert.deepEqual([sqlOf(m), sqlOf(m, 'down')], [['CREATE TABLE a (x)'], ['DROP TABLE a']])
    const outside = parseSqlMigration('-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\n')
    assert.deepEqual([outside.transaction, sqlOf(outside), sqlOf(outside, 'down'), outside.problems], [false, ['VACUUM'], [], []])
    // The down section may come first; an empty down is a down that does nothing (dbmate's convention).
    const reversed = parseSqlMigration('-- migrate:down\nDROP TABLE a;\n\n-- migrate:up\nCREATE TABLE a (x);\n')
    assert.deepEqual([sqlOf(reversed), sqlOf(reversed, 'down')], [['CREATE TABLE a (x)'], ['DROP TABLE a']])
  })

  it("reads goose's and sql-migrate's markers too, and their no-transaction annotations", async () => {
    const goose = parseSqlMigration(
      '-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (x);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE a;\n',
    )
    assert.deepEqual([sqlOf(goose), sqlOf(goose, 'down'), goose.problems], [['CREATE TABLE a (x)'], ['DROP TABLE a'], []])
    assert.equal(parseSqlMigration('-- +goose NO TRANSACTION\n-- +goose Up\nVACUUM;\n').transaction, false)
    const sqlMigrate = parseSqlMigration('-- +migrate Up notransaction\nVACUUM;\n-- +migrate Down\nSELECT 1;\n')
    assert.deepEqual([sqlMigrate.transaction, sqlOf(sqlMigrate), sqlOf(sqlMigrate, 'down')], [false, ['VACUUM'], ['SELECT 1']])
    // dbmate's marker with another spacing or case is still that marker.
    const loose = parseSqlMigration('  -- Migrate: Up\nCREATE TABLE a (x);\n--migrate:down\nDROP TABLE a;\n')
    assert.deepEqual([sqlOf(loose), sqlOf(loose, 'down'), loose.problems], [['CREATE TABLE a (x)'], ['DROP TABLE a'], []])
  })

  it('never reads a down section as up: a marker it does not know, or one after a statement, is refused', async () => {
    assert.match(
      problems('-- migrate:up\nCREATE TABLE m (x);\n-- migrate-down\nDROP TABLE m;\n').join(),
      /^3: "-- migrate-down" is not a marker this tool reads/,
    )
    assert.match(problems('-- +goose Upp\nCREATE TABLE m (x);\n').join(), /^1: "-- \+goose Upp" is not a marker/)
    assert.match(
      problems('-- migrate:up\nCREATE TABLE m (x); -- migrate:down\nDROP TABLE m;\n').join(),
      /^2: "-- migrate:down" must be on a line of its own/,
    )
  })

  it('finds markers only in -- comments: never inside a block comment or a string', async () => {
    const m = parseSqlMigration("-- migrate:up\n/* notes\n-- migrate:down\n*/\nCREATE TABLE t (x TEXT DEFAULT '\n-- migrate:down\n');\n")
    assert.deepEqual([sqlOf(m).length, m.down, m.problems], [1, undefined, []])
  })

  it('refuses an up section with no statement (an untouched template), and options after the down marker', async () => {
    assert.match(problems('-- migrate:up\n-- CREATE TABLE a (x);\n-- migrate:down\n').join(), /^1: the up section has no statements/)
    assert.match(problems('').join(), /^1: the up section has no statements/)
    assert.match(
      problems('-- migrate:up\nSELECT 1;\n-- migrate:down transaction:false\nVACUUM;\n').join('|'),
      /^3: "transaction:false" goes after -- migrate:up/,
    )
  })

  it('refuses sqlite3 shell commands, and ATTACH inside a transaction, before anything runs', async () => {
    assert.match(problems('.bail on\nCREATE TABLE a (x);\n').join(), /^1: \.bail is a command of the sqlite3 shell, not SQL/)
    assert.match(
      problems("ATTACH DATABASE 'other.db' AS other;\n").join(),
      /^1: "ATTACH DATABASE 'other\.db' AS other" cannot run inside a transaction/,
    )
    assert.deepEqual(problems("-- migrate:up transaction:false\nATTACH DATABASE 'other.db' AS other;\n"), [])
  })

  it('refuses what it cannot place: unknown options, a second up, statements before the first marker, a down alone', async () => {
    assert.deepEqual(problems('-- migrate:up transaction:maybe\nSELECT 1;\n'), [
      '1: unknown option "transaction:maybe" after the up marker (known: transaction:false, unsafe:true)',
    ])
    assert.match(problems('-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n').join(), /^3: a second up section/)
    assert.match(problems('CREATE TABLE a (x);\n-- migrate:up\nSELECT 1;\n').join(), /^1: a statement before the first -- migrate: marker/)
    assert.match(problems('\n-- migrate:down\nDROP TABLE a;\n').join(), /^2: a -- migrate:down section without a -- migrate:up one/)
  })

  it("replaces a file's own BEGIN … COMMIT wrapper, and several blocks in a row, by the runner's transaction, and says so once", async () => {
    const one = parseSqlMigration('BEGIN TRANSACTION;\nCREATE TABLE a (x);\nCOMMIT;\n')
    assert.deepEqual(
      [sqlOf(one), one.notes, one.problems],
      [['CREATE TABLE a (x)'], ["its BEGIN … COMMIT is replaced by the runner's transaction"], []],
    )
    const two = parseSqlMigration(
      'BEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nbegin deferred transaction;\nCREATE TABLE b (x);\nEND TRANSACTION;\n',
    )
    assert.deepEqual(
      [sqlOf(two), two.notes],
      [['CREATE TABLE a (x)', 'CREATE TABLE b (x)'], ["its BEGIN … COMMIT is replaced by the runner's transaction"]],
    )
  })

  it('keeps a trigger whose body is BEGIN … END, with its semicolons, as one statement', async () => {
    const trigger = 'CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 1;\n  DELETE FROM b;\nEND'
    const m = parseSqlMigration(`BEGIN;\n${trigger};\nCOMMIT;\n`)
    assert.deepEqual([sqlOf(m), m.problems], [[trigger], []])
  })

  it('refuses, with the line, a COMMIT without its BEGIN, a ROLLBACK, a nested BEGIN and a BEGIN never committed', async () => {
    assert.match(
      problems('CREATE TABLE a (x);\nCOMMIT;\nCREATE TABLE b (x);\n').join(),
      /^2: COMMIT without a BEGIN before it would commit the migration midway/,
    )
    assert.match(problems('BEGIN;\nSELECT 1;\nROLLBACK;\n').join('|'), /3: ROLLBACK would undo the migration midway/)
    assert.match(problems('BEGIN;\nBEGIN;\nCOMMIT;\nCOMMIT;\n').join('|'), /2: BEGIN inside the transaction begun at line 1/)
    assert.deepEqual(problems('SELECT 1;\nBEGIN;\nCREATE TABLE a (x);\n'), [
      '2: BEGIN without a COMMIT after it; add the COMMIT or remove the BEGIN',
    ])
  })

  it('names the VACUUM statement and its line, and offers a migration of its own, instead of making this one non-atomic', async () => {
    const found = problems('CREATE TABLE a (x);\nINSERT INTO a VALUES (1);\nVACUUM;\nPRAGMA journal_mode = WAL;\n')
    assert.equal(found.length, 2)
    assert.match(
      found[0],
      /^3: "VACUUM" cannot run inside a transaction; move it to a migration of its own whose first line is "-- migrate:up transaction:false"/,
    )
    assert.match(found[1], /^4: "PRAGMA journal_mode = WAL" cannot run inside a transaction/)
  })

  it('turns a PRAGMA foreign_keys = OFF … ON pair into a foreignKeys = false migration, whatever the spelling', async () => {
    for (const off of [
      'PRAGMA foreign_keys = OFF',
      'pragma foreign_keys=0',
      'PRAGMA main.foreign_keys = false',
      `PRAGMA "foreign_keys" = 'off'`,
    ]) {
      const m = parseSqlMigration(`${off};\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nPRAGMA foreign_keys = ON;\n`)
      assert.deepEqual([m.foreignKeys, sqlOf(m), m.problems], [false, ['CREATE TABLE a (x)'], []], off)
      assert.match(m.notes.join('|'), /foreignKeys = false migration/, off)
    }
    const on = parseSqlMigration('PRAGMA foreign_keys = ON;\nCREATE TABLE a (x);\n')
    assert.deepEqual([on.foreignKeys, sqlOf(on)], [true, ['CREATE TABLE a (x)']])
    assert.match(on.notes.join(), /PRAGMA foreign_keys = ON is dropped/)
    // Reading the setting changes nothing: it is an ordinary statement.
    assert.deepEqual(sqlOf(parseSqlMigration('PRAGMA foreign_keys;\n')), ['PRAGMA foreign_keys'])
  })

  it("leaves a non-transactional section's statements as written: the file manages its own transactions", async () => {
    const m = parseSqlMigration(
      '-- migrate:up transaction:false\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nVACUUM;\n',
    )
    assert.deepEqual([m.foreignKeys, sqlOf(m).length, m.problems, m.notes], [true, 5, [], []])
  })

  it("accepts drizzle's --> statement-breakpoint separators", async () => {
    const m = parseSqlMigration('CREATE TABLE `a` (\n\t`x` integer\n);\n--> statement-breakpoint\nCREATE INDEX `a_x` ON `a` (`x`);')
    assert.deepEqual(
      [sqlOf(m), linesOf(m), m.problems],
      [['CREATE TABLE `a` (\n\t`x` integer\n)', 'CREATE INDEX `a_x` ON `a` (`x`)'], [1, 5], []],
    )
  })

  it('counts lines in files with CRLF line ends and a byte order mark', async () => {
    const m = parseSqlMigration('\uFEFF-- migrate:up\r\nCREATE TABLE a (x);\r\n\r\nVACUUM;\r\n')
    assert.deepEqual(
      [linesOf(m), problems('\uFEFF-- migrate:up\r\nCREATE TABLE a (x);\r\n\r\nVACUUM;\r\n').map((p) => p.slice(0, 2))],
      [[2], ['4:']],
    )
  })

  it('refuses PRAGMA writable_schema unless the file opts in with unsafe:true', async () => {
    const edit =
      "PRAGMA writable_schema = ON;\nUPDATE sqlite_master SET sql = replace(sql, 'x', 'y') WHERE name = 'a';\nPRAGMA writable_schema = OFF;\n"
    const found = problems(edit)
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      ['1', '3'],
    )
    for (const p of found)
      assert.match(p, /PRAGMA writable_schema needs the opt-in: make "-- migrate:up unsafe:true" the first line of the file/)
    assert.match(problems(`-- migrate:up\n${edit}`).join(), /^2: PRAGMA writable_schema needs "unsafe:true" after -- migrate:up/)
    const opted = parseSqlMigration(`-- migrate:up unsafe:true\n${edit}`)
    assert.deepEqual([opted.unsafe, sqlOf(opted).length, opted.problems], [true, 3, []])
  })

  it('reports every problem of a file at once, in line order', async () => {
    const found = problems('COMMIT;\nVACUUM;\nPRAGMA writable_schema = 1;\nROLLBACK;\n')
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      ['1', '2', '3', '4'],
    )
  })

  it('compiles to a self-contained module that runs each statement and names the line of the one that fails', async () => {
    const m = parseSqlMigration('-- migrate:up\nCREATE TABLE a (x);\nINSERT INTO nope VALUES (1);\n-- migrate:down\nDROP TABLE a;\n')
    const source = renderSqlModule({ ...m, foreignKeys: false, unsafe: true }, '001_a.sql')
    assert.doesNotMatch(source, /require\(/)
    const module = { exports: {} as Record<string, unknown> }
    new Function('module', 'exports', source)(module, module.exports)
    const ran: string[] = []
    const db = {
      exec(sql: string) {
        if (sql.includes('nope')) throw new Error('no such table: nope')
        ran.push(sql)
      },
    }
    assert.throws(() => (module.exports.up as (d: typeof db) => void)(db), /^Error: no such table: nope \(001_a\.sql, line 3\)$/)
    ;(module.exports.down as (d: typeof db) => void)(db)
    assert.deepEqual(ran, ['CREATE TABLE a (x)', 'DROP TABLE a'])
    assert.deepEqual([module.exports.foreignKeys, module.exports.unsafe, module.exports.transaction], [false, true, undefined])
  })
})
