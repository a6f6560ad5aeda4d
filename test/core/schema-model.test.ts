/** Schemas compared by meaning: constraint order, quoting, whitespace and keyword case are not differences. */
import { strict as assert } from 'node:assert'
import { compareSchemaModels, type ColumnModel, type IndexModel, type SchemaModel, type TableModel } from '../../tasks/core/schema-model'
import { normaliseTokens, readTableText } from '../../tasks/core/schema-text'

const column = (name: string, type: string, extra: Partial<ColumnModel> = {}): ColumnModel => ({
  name,
  type,
  notNull: false,
  defaultValue: null,
  pk: 0,
  hidden: 0,
  ...extra,
})

const table = (name: string, sql: string, columns: ColumnModel[], extra: Partial<TableModel> = {}): TableModel => ({
  name,
  sql,
  columns,
  foreignKeys: [],
  withoutRowid: false,
  strict: false,
  ...extra,
})

const unique = (table: string, columns: string[], n = 1): IndexModel => ({
  name: `sqlite_autoindex_${table}_${n}`,
  table,
  unique: true,
  origin: 'u',
  columns: columns.map((name) => ({ name, desc: false, collation: 'BINARY' })),
  sql: null,
})

const schema = (tables: TableModel[], indexes: IndexModel[] = [], others: SchemaModel['others'] = []): SchemaModel => ({
  tables,
  indexes,
  others,
})
const after = { actual: 'after down' }

/** The posts table as TypeORM writes it, and the same table rebuilt by a hand-written down. */
const typeormSql =
  'CREATE TABLE "posts" ("id" integer PRIMARY KEY NOT NULL, "author_id" integer, "title" varchar COLLATE NOCASE, ' +
  'CONSTRAINT "UQ_x" UNIQUE ("title"), CONSTRAINT "FK_y" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE, ' +
  'CONSTRAINT "CHK_z" CHECK ("title" <> \'\'))'
const rebuiltSql =
  'create table posts (\n  id INTEGER primary key not null,\n  author_id INTEGER,\n  title VARCHAR collate nocase,\n' +
  "  constraint CHK_z check (title<>''),\n  CONSTRAINT FK_y FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE CASCADE,\n  CONSTRAINT UQ_x UNIQUE (title)\n)"
const fk = { table: 'users', from: ['author_id'], to: ['id'], onUpdate: 'NO ACTION', onDelete: 'CASCADE', match: 'NONE' }
const posts = (sql: string, columns: ColumnModel[], extra: Partial<TableModel> = {}) =>
  table(sql === typeormSql ? 'posts' : 'POSTS', sql, columns, { foreignKeys: [fk], ...extra })
const postColumns = (type = (t: string) => t) => [
  column('id', type('integer'), { pk: 1, notNull: true }),
  column('author_id', type('integer')),
  column('title', type('varchar')),
]

describe('schema model comparison', () => {
  it('finds no difference in constraint order, quoting, whitespace or keyword and name case', async () => {
    const expected = schema([posts(typeormSql, postColumns())], [unique('posts', ['title'])])
    const actual = schema(
      [
        posts(
          rebuiltSql,
          postColumns((t) => t.toUpperCase()),
        ),
      ],
      [unique('POSTS', ['TITLE'], 7)],
    )
    assert.deepEqual(compareSchemaModels(expected, actual, after), [])
  })

  it('words a difference of a column: type, NOT NULL, default, collation', async () => {
    const users = (sql: string, email: ColumnModel) => schema([table('users', sql, [column('id', 'INTEGER', { pk: 1 }), email])])
    const expected = users(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '' COLLATE NOCASE)",
      column('email', 'TEXT', { notNull: true, defaultValue: "''" }),
    )
    const actual = users('CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR)', column('email', 'VARCHAR'))
    assert.deepEqual(compareSchemaModels(expected, actual, after), [
      'table users: column email: type TEXT → VARCHAR',
      'table users: column email: NOT NULL → nullable',
      "table users: column email: default '' → none",
      'table users: column email: collation NOCASE → BINARY',
    ])
  })

  it('words missing and extra columns, column order, primary key and table flags', async () => {
    const expected = schema([
      table('t', 'CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)', [column('a', 'INTEGER', { pk: 1 }), column('b', 'TEXT')]),
    ])
    const reordered = schema([
      table(
        't',
        'CREATE TABLE t (b TEXT, a INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID',
        [column('b', 'TEXT', { pk: 2 }), column('a', 'INTEGER', { pk: 1 })],
        {
          withoutRowid: true,
        },
      ),
    ])
    assert.deepEqual(compareSchemaModels(expected, reordered, after), [
      'table t: rowid → WITHOUT ROWID',
      'table t: column order a, b → b, a',
      'table t: primary key (a) → (a, b)',
    ])
    const fewer = schema([
      table('t', 'CREATE TABLE t (a INTEGER PRIMARY KEY, c TEXT)', [column('a', 'INTEGER', { pk: 1 }), column('c', 'TEXT')]),
    ])
    assert.deepEqual(compareSchemaModels(expected, fewer, after), [
      'table t: column b: missing after down',
      'table t: column c: extra after down',
    ])
  })

  it('words a missing foreign key, unique and check constraint', async () => {
    const expected = schema([posts(typeormSql, postColumns())], [unique('posts', ['title'])])
    const bare = 'CREATE TABLE posts (id INTEGER PRIMARY KEY NOT NULL, author_id INTEGER, title VARCHAR COLLATE NOCASE)'
    const actual = schema([posts(bare, postColumns(), { foreignKeys: [{ ...fk, onDelete: 'NO ACTION' }] })])
    assert.deepEqual(compareSchemaModels(expected, actual, after), [
      'table posts: unique (title): missing after down',
      'table posts: foreign key (author_id) → users(id) ON DELETE CASCADE: missing after down',
      'table posts: foreign key (author_id) → users(id): extra after down',
      'table posts: check ("title" <> \'\'): missing after down',
    ])
  })

  it('words tables, indexes, views and triggers that are missing, extra or changed; names compare without case', async () => {
    const index = (name: string, columns: string[], unique = false): IndexModel => ({
      name,
      table: 'T',
      unique,
      origin: 'c',
      columns: columns.map((c) => ({ name: c, desc: false, collation: 'BINARY' })),
      sql: `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${name} ON t (${columns.join(', ')})`,
    })
    const t = table('t', 'CREATE TABLE t (a, b)', [column('a', ''), column('b', '')])
    const expected = schema(
      [t],
      [index('idx_x', ['a']), index('idx_y', ['a'])],
      [
        { type: 'view', name: 'v', sql: 'CREATE VIEW v AS SELECT a FROM t' },
        { type: 'trigger', name: 'tr', sql: 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END' },
      ],
    )
    const actual = schema(
      [t, table('gone', 'CREATE TABLE gone (a)', [column('a', '')])],
      [index('IDX_Y', ['a', 'b'], true)],
      [
        { type: 'view', name: 'V', sql: 'create view "v" as select "a" from "t"' },
        { type: 'trigger', name: 'tr', sql: 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 2; END' },
      ],
    )
    assert.deepEqual(compareSchemaModels(expected, actual, after), [
      'table gone: extra after down',
      'index idx_x: missing after down',
      'index idx_y: not unique → unique',
      'index idx_y: columns (a) → (a, b)',
      'trigger tr: differs after down',
      '  expected: CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END',
      '  after down: CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 2; END',
    ])
  })
})

describe('schema text', () => {
  it('normalises quoting, keyword case and whitespace but keeps string literals', async () => {
    assert.equal(
      normaliseTokens('CREATE  VIEW "v" AS\n select [a] FROM `t` WHERE b = \'X\''),
      normaliseTokens("create view v as select a from t where b='X'"),
    )
    assert.notEqual(normaliseTokens("SELECT 'x'"), normaliseTokens("SELECT 'X'"))
  })

  it('reads CHECK constraints, COLLATE, AUTOINCREMENT and generated columns from CREATE TABLE', async () => {
    const text = readTableText(
      'CREATE TABLE t ("id" INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT COLLATE nocase CHECK (length(name) > 0) DEFAULT (lower(\'A\' COLLATE binary)), ' +
        'twice INTEGER GENERATED ALWAYS AS (id * 2) STORED, CONSTRAINT c CHECK (id > 0))',
    )
    assert.deepEqual(
      text.checks.map((c) => c.text),
      ['length(name) > 0', 'id > 0'],
    )
    assert.equal(text.columns.get('NAME')?.collation, 'NOCASE')
    assert.equal(text.columns.get('ID')?.autoincrement, true)
    assert.equal(text.columns.get('TWICE')?.generated?.text, 'id * 2')
    assert.deepEqual(readTableText('CREATE TABLE t AS SELECT 1 AS x'), { checks: [], columns: new Map() })
  })
})
