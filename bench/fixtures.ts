/**
 * Fixtures: N small migrations (create table + index, add column, insert 10 rows) written for every tool, the
 * same work in each tool's own format, plus the floors (the same SQL inlined in bare better-sqlite3 scripts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from './paths'

const pad = (i: number) => String(i).padStart(14, '0').replace(/^0{6}/, '202611')
export const migrationId = (i: number): string => `${pad(i)}_table_${i}`
const ddl = (i: number) => [
  `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`,
  `CREATE INDEX t${i}_name ON t${i} (name)`,
  `ALTER TABLE t${i} ADD COLUMN note TEXT`,
]

/** One folder per contender under a size's root. */
export interface ProjectDirs {
  readonly ours: string
  readonly knex: string
  readonly umzug: string
  readonly kysely: string
  readonly floor: string
}

export function projectDirs(root: string): ProjectDirs {
  return {
    ours: join(root, 'ours'),
    knex: join(root, 'knex'),
    umzug: join(root, 'umzug'),
    kysely: join(root, 'kysely'),
    floor: join(root, 'floor'),
  }
}

/** Writes the projects of every contender for `n` migrations; the peers' only when they will run. */
export function writeProjects(dirs: ProjectDirs, n: number, peers: boolean): void {
  writeOurs(dirs.ours, n)
  writeFloors(dirs.floor, n)
  if (peers) {
    writeKnex(dirs.knex, n)
    writeUmzug(dirs.umzug, n)
    writeKysely(dirs.kysely, n)
  }
}

/** Our database file in a project written by {@link writeOurs}. */
export const ourDatabase = (dir: string): string => join(dir, 'data', 'app.sqlite3')
/** The peers' and the floors' database file. */
export const peerDatabase = (dir: string): string => join(dir, 'db.sqlite3')

/** A `prepare` hook that deletes databases (with their journals) or folders before every timed run. */
export const fresh =
  (...paths: string[]) =>
  (): void => {
    for (const p of paths) for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(p + suffix, { force: true, recursive: true })
  }

export function writeOurs(dir: string, n: number): void {
  mkdirSync(join(dir, 'migrations'), { recursive: true })
  writeFileSync(
    join(dir, 'migrations', 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'commonjs',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        paths: { 'gulp-sqlite-migrate': [join(REPO, 'tasks', 'types.d.ts')] },
      },
      include: ['*.ts'],
    }),
  )
  for (let i = 1; i <= n; i++) writeFileSync(join(dir, 'migrations', `${migrationId(i)}.ts`), ourMigration(i))
}

export function ourMigration(i: number): string {
  return `import type { Migration } from 'gulp-sqlite-migrate'

export const up: Migration['up'] = (db) => {
  db.exec(\`${ddl(i).join(';\n    ')}\`)
  const insert = db.prepare('INSERT INTO t${i} (name) VALUES (?)')
  for (let row = 0; row < 10; row++) insert.run(\`row \${row}\`)
}

export const down: Migration['down'] = (db) => {
  db.exec('DROP TABLE t${i}')
}
`
}

function writeKnex(dir: string, n: number): void {
  mkdirSync(join(dir, 'migrations'), { recursive: true })
  writeFileSync(
    join(dir, 'knexfile.js'),
    `module.exports = { client: 'better-sqlite3', connection: { filename: ${JSON.stringify(peerDatabase(dir))} }, useNullAsDefault: true, migrations: { directory: ${JSON.stringify(join(dir, 'migrations'))} } }\n`,
  )
  writeFileSync(
    join(dir, 'api.js'),
    `const knex = require('knex')(require('./knexfile.js'))\nknex.migrate.latest().then(() => knex.destroy()).catch((e) => { console.error(e); process.exit(1) })\n`,
  )
  for (let i = 1; i <= n; i++) {
    const raw = ddl(i).map((s) => `  await knex.raw(${JSON.stringify(s)})`)
    writeFileSync(
      join(dir, 'migrations', `${migrationId(i)}.js`),
      `exports.up = async (knex) => {\n${raw.join('\n')}\n  await knex('t${i}').insert(Array.from({ length: 10 }, (_, row) => ({ name: 'row ' + row })))\n}\nexports.down = (knex) => knex.raw('DROP TABLE t${i}')\n`,
    )
  }
}

function writeUmzug(dir: string, n: number): void {
  mkdirSync(join(dir, 'migrations'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n')
  writeFileSync(
    join(dir, 'umzug.ts'),
    `import { Umzug } from 'umzug'
import Database from 'better-sqlite3'
const db = new Database(${JSON.stringify(peerDatabase(dir))})
db.exec('CREATE TABLE IF NOT EXISTS umzug_meta (name TEXT PRIMARY KEY)')
const umzug = new Umzug({
  migrations: { glob: ['migrations/*.ts', { cwd: ${JSON.stringify(dir)} }] },
  context: db,
  storage: {
    async executed() { return (db.prepare('SELECT name FROM umzug_meta').all() as Array<{ name: string }>).map((r) => r.name) },
    async logMigration({ name }) { db.prepare('INSERT INTO umzug_meta (name) VALUES (?)').run(name) },
    async unlogMigration({ name }) { db.prepare('DELETE FROM umzug_meta WHERE name = ?').run(name) },
  },
  logger: undefined,
})
umzug.up().then(() => db.close())
`,
  )
  for (let i = 1; i <= n; i++) {
    writeFileSync(
      join(dir, 'migrations', `${migrationId(i)}.ts`),
      `import type { Database } from 'better-sqlite3'\nexport const up = async ({ context: db }: { context: Database }) => {\n  db.exec(\`${ddl(i).join(';')}\`)\n  const insert = db.prepare('INSERT INTO t${i} (name) VALUES (?)')\n  for (let row = 0; row < 10; row++) insert.run('row ' + row)\n}\nexport const down = async ({ context: db }: { context: Database }) => { db.exec('DROP TABLE t${i}') }\n`,
    )
  }
}

function writeKysely(dir: string, n: number): void {
  mkdirSync(join(dir, 'migrations'), { recursive: true })
  writeFileSync(
    join(dir, 'kysely.mjs'),
    `import { Kysely, SqliteDialect, Migrator, FileMigrationProvider } from 'kysely'
import Database from 'better-sqlite3'
import { promises as fs } from 'node:fs'
import path from 'node:path'
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(${JSON.stringify(peerDatabase(dir))}) }) })
const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: ${JSON.stringify(join(dir, 'migrations'))} }) })
const { error } = await migrator.migrateToLatest()
await db.destroy()
if (error) { console.error(error); process.exit(1) }
`,
  )
  for (let i = 1; i <= n; i++) {
    const raw = ddl(i).map((s) => `  await sql.raw(${JSON.stringify(s)}).execute(db)`)
    writeFileSync(
      join(dir, 'migrations', `${migrationId(i)}.mjs`),
      `import { sql } from 'kysely'\nexport async function up(db) {\n${raw.join('\n')}\n  await db.insertInto('t${i}').values(Array.from({ length: 10 }, (_, row) => ({ name: 'row ' + row }))).execute()\n}\nexport async function down(db) { await sql.raw('DROP TABLE t${i}').execute(db) }\n`,
    )
  }
}

/** The floors: `open.js` (start node, load better-sqlite3, open), `each.js` and `all.js` (the SQL inlined). */
function writeFloors(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true })
  const statements = Array.from({ length: n }, (_, k) => ({ sql: ddl(k + 1).join(';'), table: `t${k + 1}` }))
  writeFileSync(join(dir, 'migrations.json'), JSON.stringify(statements))
  const body = `const Database = require('better-sqlite3')
const db = new Database(${JSON.stringify(peerDatabase(dir))})
const migrations = require('./migrations.json')
const one = (m) => { db.exec(m.sql); const insert = db.prepare('INSERT INTO ' + m.table + ' (name) VALUES (?)'); for (let row = 0; row < 10; row++) insert.run('row ' + row) }
`
  writeFileSync(
    join(dir, 'open.js'),
    `const Database = require('better-sqlite3')\nnew Database(${JSON.stringify(peerDatabase(dir))}).prepare('SELECT 1').get()\n`,
  )
  writeFileSync(join(dir, 'each.js'), `${body}for (const m of migrations) db.transaction(() => one(m))()\n`)
  writeFileSync(join(dir, 'all.js'), `${body}db.transaction(() => { for (const m of migrations) one(m) })()\n`)
}
