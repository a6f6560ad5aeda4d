/** The SQL guard's look at a TypeScript migration before it runs: literal SQL handed to exec, prepare and pragma. */
import { strict as assert } from 'node:assert'
import { typeScriptSqlProblems } from '../../tasks/core/typescript-sql'

const at = (source: string) => typeScriptSqlProblems(source).map((p) => `${p.line}:${p.column} ${p.message.slice(0, 40)}`)

describe('core/typescript-sql', () => {
  it('finds what the guard would refuse in literals passed to exec, prepare and pragma, with line and column', async () => {
    const source = [
      "import type { Migration } from 'gulp-sqlite-migrate'",
      "export const up: Migration['up'] = (db) => {",
      "  db.exec('BEGIN TRANSACTION')",
      '  db.exec(`CREATE TABLE a (x INTEGER);',
      '    VACUUM`)',
      '  db.pragma("foreign_keys = OFF")',
      "  db.prepare('COMMIT').run()",
      '}',
    ].join('\n')
    assert.deepEqual(at(source), [
      '3:5 the migration runs its own BEGIN/COMMIT/',
      '4:5 "VACUUM" cannot run inside a transaction',
      '6:5 PRAGMA foreign_keys has no effect inside',
      '7:5 the migration runs its own BEGIN/COMMIT/',
    ])
  })

  it('leaves alone what it cannot judge: comments, interpolated templates, variables, and fine SQL', async () => {
    const source = [
      "// db.exec('VACUUM') once, by hand",
      "/* db.exec('BEGIN') */",
      "export const up = (db: { exec(s: string): void }, table = 'x') => {",
      '  db.exec(`DROP TABLE ${table}; VACUUM`)',
      "  const sql = 'COMMIT'",
      '  db.exec(sql)',
      "  db.exec('CREATE TABLE \\'begin\\' (commit_at TEXT) -- then VACUUM')",
      "  db.exec('SAVEPOINT s; ROLLBACK TO s; RELEASE s')",
      '}',
    ].join('\n')
    assert.deepEqual(at(source), [])
  })

  it('does not judge a migration that runs outside the transaction or opts into unsafe: the guard decides at run time', async () => {
    assert.deepEqual(at("export const transaction = false\nexport const up = (db) => db.exec('VACUUM')\n"), [])
    assert.deepEqual(at("export const unsafe = true\nexport const up = (db) => db.exec('PRAGMA writable_schema = ON')\n"), [])
    assert.equal(at("export const transaction = true\nexport const up = (db) => db.exec('VACUUM')\n").length, 1)
  })
})
