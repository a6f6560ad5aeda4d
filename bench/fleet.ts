/**
 * The fleet scenario's fixtures and contenders: N tenant databases (empty files, recreated before every timed
 * run) and M small migrations like a real app's (create a table and two indexes, insert a few rows), the same
 * work for our tool (TypeScript, compiled once by `gulp migrate:build`) and for knex (JavaScript migrations).
 *
 * Full bench: every contender is a node process running a script written here (so start-up is in every figure
 * alike, and each reports its peak RSS on exit): `migrateFleet()` with the default pool and with a concurrency of
 * one, the loop over `applyMigrations()` a user writes (open, apply, close per database), a loop over knex's
 * `migrate.latest()`; and the whole `gulp migrate --databases=GLOB` with nothing pending. At --smoke, our fleet
 * runs through the API in this process and the rest is skipped.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OurTool } from './contenders'
import { gulp } from './contenders'
import { migrationId, writeOurs } from './fixtures'
import { median, type Contender } from './harness'
import { PEERS, REPO } from './paths'

/** Migrations per database: 20 in the full bench, 3 at --smoke. */
export const fleetMigrations = (smoke: boolean): number => (smoke ? 3 : 20)

/** One fleet size's folders: our project (migrations + dist), knex's migrations, the scripts, the databases. */
export interface FleetDirs {
  readonly root: string
  readonly ours: string
  readonly knex: string
  readonly databases: string
}

export const fleetDirs = (root: string): FleetDirs => ({
  root,
  ours: join(root, 'ours'),
  knex: join(root, 'knex'),
  databases: join(root, 'tenants'),
})

/** The statements of migration `i`: a table, two indexes, five rows (TypeScript, SQL, or knex's JavaScript). */
function statements(i: number): { ddl: string[]; table: string; rows: number } {
  const table = `tenant_t${i}`
  return {
    table,
    rows: 5,
    ddl: [
      `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
      `CREATE INDEX ${table}_owner ON ${table} (owner_id)`,
      `CREATE UNIQUE INDEX ${table}_name ON ${table} (name)`,
    ],
  }
}

function ourFleetMigration(i: number): string {
  const { ddl, table, rows } = statements(i)
  return `import type { Migration } from 'gulp-sqlite-migrate'

export const up: Migration['up'] = (db) => {
  db.exec(\`${ddl.join(';\n    ')}\`)
  const insert = db.prepare('INSERT INTO ${table} (owner_id, name) VALUES (?, ?)')
  for (let row = 0; row < ${rows}; row++) insert.run(row % 2, \`row \${row}\`)
}

export const down: Migration['down'] = (db) => {
  db.exec('DROP TABLE ${table}')
}
`
}

function sqlFleetMigration(i: number): string {
  const { ddl, table, rows } = statements(i)
  const values = Array.from({ length: rows }, (_, row) => `(${row % 2}, 'row ${row}')`)
  return `${ddl.join(';\n')};\nINSERT INTO ${table} (owner_id, name) VALUES ${values.join(', ')};\n`
}

/** Migration `i` of ours is SQL every fourth one (all of them at --smoke, so that no TypeScript is loaded), else TypeScript. */
const isSql = (i: number, smoke: boolean) => smoke || i % 4 === 0

function knexFleetMigration(i: number): string {
  const { ddl, table, rows } = statements(i)
  const raw = ddl.map((s) => `  await knex.raw(${JSON.stringify(s)})`)
  return `exports.up = async (knex) => {
${raw.join('\n')}
  await knex('${table}').insert(Array.from({ length: ${rows} }, (_, row) => ({ owner_id: row % 2, name: 'row ' + row })))
}
exports.down = (knex) => knex.raw('DROP TABLE ${table}')
`
}

/** The lines every script starts with: the database files of the folder in argv[2], sorted. */
const LIST = `const { readdirSync } = require('node:fs')
const { join } = require('node:path')
const dir = process.argv[2]
const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite3')).sort().map((f) => join(dir, f))
const done = () => console.log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS }))
const fail = (error) => { console.error(error); process.exit(1) }
`

/** Writes both projects (ours still to compile) and the scripts; the databases are made by {@link freshDatabases}. */
export function writeFleetProject(dirs: FleetDirs, smoke: boolean, peers: boolean): void {
  const migrations = fleetMigrations(smoke)
  writeOurs(dirs.ours, 0) // tsconfig.json and the folder
  for (let i = 1; i <= migrations; i++) {
    const [file, text] = isSql(i, smoke) ? [`${migrationId(i)}.sql`, sqlFleetMigration(i)] : [`${migrationId(i)}.ts`, ourFleetMigration(i)]
    writeFileSync(join(dirs.ours, 'migrations', file), text)
  }
  const folders = `{ sourceDir: ${JSON.stringify(join(dirs.ours, 'migrations'))}, distDir: ${JSON.stringify(join(dirs.ours, 'migrations', 'dist'))} }`
  const api = `const api = require(${JSON.stringify(REPO)})\nconst available = api.listCompiledMigrations(${folders})\n`
  // migrateFleet(): argv[3] is the concurrency, or nothing for the default pool.
  writeFileSync(
    join(dirs.root, 'fleet.js'),
    `${LIST}${api}const concurrency = process.argv[3] ? { concurrency: Number(process.argv[3]) } : {}
api.migrateFleet(files, available, concurrency).then(({ summary }) => {
  if (summary.failed > 0 || summary.migrated + summary.upToDate !== files.length) fail(new Error(JSON.stringify(summary)))
  done()
}, fail)
`,
  )
  // What a user writes without the fleet mode: one database after the other, in this thread.
  writeFileSync(
    join(dirs.root, 'loop.js'),
    `${LIST}${api};(async () => {
  for (const file of files) {
    const db = api.openDatabase(file)
    try {
      await api.applyMigrations(db, available)
    } finally {
      db.close()
    }
  }
})().then(done, fail)
`,
  )
  if (!peers) return
  mkdirSync(join(dirs.knex, 'migrations'), { recursive: true })
  for (let i = 1; i <= migrations; i++) writeFileSync(join(dirs.knex, 'migrations', `${migrationId(i)}.js`), knexFleetMigration(i))
  writeFileSync(
    join(dirs.root, 'knex.js'),
    `${LIST}const knex = require(${JSON.stringify(join(PEERS, 'knex'))})
;(async () => {
  for (const filename of files) {
    const db = knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true, migrations: { directory: ${JSON.stringify(join(dirs.knex, 'migrations'))} } })
    try {
      await db.migrate.latest()
    } finally {
      await db.destroy()
    }
  }
})().then(done, fail)
`,
  )
}

/** `count` empty database files (SQLite opens an empty file as an empty database) in a new `dir`. */
export function freshDatabases(dir: string, count: number): void {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (let i = 1; i <= count; i++) writeFileSync(join(dir, `tenant-${String(i).padStart(6, '0')}.sqlite3`), '')
}

/** Peak resident set sizes (bytes) reported by the script contenders, by key: the memory figures come from the timed runs. */
export type PeakRss = Map<string, number[]>

/** A script of {@link writeFleetProject} as a timed process; the peak RSS it prints is kept in `rss`. */
function scriptContender(
  key: string,
  name: string,
  args: readonly string[],
  rss: PeakRss,
  more: Pick<Contender, 'prepare' | 'needs'> = {},
): Contender {
  return {
    key,
    name,
    ...more,
    run: () => {
      const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } })
      if (result.status !== 0) throw new Error(`${name} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`)
      const { maxRSS } = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { maxRSS: number }
      rss.set(key, [...(rss.get(key) ?? []), maxRSS * 1024])
    },
  }
}

/** The contenders on `count` fresh databases: the loop over applyMigrations (the baseline) first. */
export function freshContenders(dirs: FleetDirs, count: number, smoke: boolean, rss: PeakRss): Contender[] {
  const prepare = () => freshDatabases(dirs.databases, count)
  const script = (file: string, ...args: string[]) => [join(dirs.root, file), dirs.databases, ...args]
  const fleet: Contender = smoke
    ? { key: 'fleet', name: 'gulp-sqlite-migrate: migrateFleet(), API in this process', prepare, run: () => inProcessFleet(dirs) }
    : scriptContender('fleet', 'gulp-sqlite-migrate: migrateFleet(), default pool', script('fleet.js'), rss, { prepare })
  return [
    scriptContender('loop', 'loop over applyMigrations(), open/apply/close each', script('loop.js'), rss, {
      prepare,
      needs: 'full-run',
    }),
    fleet,
    scriptContender('fleet-1', 'gulp-sqlite-migrate: migrateFleet(), concurrency 1', script('fleet.js', '1'), rss, {
      prepare,
      needs: 'full-run',
    }),
    scriptContender('knex-loop', 'knex 3: loop over migrate.latest(), one each', script('knex.js'), rss, { prepare, needs: 'peers' }),
  ]
}

/**
 * Nothing pending on the same databases: the whole `gulp migrate --databases=<dir>/*.sqlite3` (compile step
 * included: nothing to compile), and for scale `gulp migrate` on one database with nothing pending. At --smoke,
 * migrateFleet() again in this process.
 */
export function noopContenders(dirs: FleetDirs, ours: OurTool, smoke: boolean): Contender[] {
  if (smoke)
    return [{ key: 'fleet-noop', name: 'gulp-sqlite-migrate: migrateFleet(), API in this process', run: () => inProcessFleet(dirs) }]
  const glob = `--databases=${join(dirs.databases, '*.sqlite3')}`
  const [cmd, ...args] = [...gulp(dirs.ours, 'migrate'), glob]
  return [
    {
      key: 'fleet-noop',
      name: 'gulp-sqlite-migrate: gulp migrate --databases=GLOB',
      run: () => {
        const result = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', DATABASE_PATH: '' } })
        if (result.status !== 0)
          throw new Error(`gulp migrate --databases failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`)
        if (!/up to date/.test(result.stdout))
          throw new Error(`gulp migrate --databases did not report an up-to-date fleet:\n${result.stdout}`)
      },
    },
    { ...ours.migrate(dirs.ours), key: 'one-noop', name: 'gulp migrate, one database, nothing pending (reference)' },
  ]
}

/** --smoke: migrateFleet() through the package's public API in this process (the package itself, its built lib/). */
async function inProcessFleet(dirs: FleetDirs): Promise<void> {
  const api = createRequire(join(REPO, 'package.json'))('gulp-sqlite-migrate') as typeof import('gulp-sqlite-migrate')
  const available = api.listCompiledMigrations({ sourceDir: join(dirs.ours, 'migrations'), distDir: join(dirs.ours, 'migrations', 'dist') })
  const files = readdirSync(dirs.databases)
    .filter((f) => f.endsWith('.sqlite3'))
    .sort()
    .map((f) => join(dirs.databases, f))
  const { summary } = await api.migrateFleet(files, available)
  if (summary.failed > 0 || summary.migrated + summary.upToDate !== files.length)
    throw new Error(`migrateFleet: ${JSON.stringify(summary)}`)
}

/**
 * Peak RSS of `migrateFleet()` (default pool, fresh databases) over each of `counts` databases: `rounds` runs
 * each, alternated, medians in bytes by count. Flat means the list is streamed and at most one database per lane
 * is open.
 */
export function peakRss(dirs: FleetDirs, counts: readonly number[], rounds: number): Map<number, number> {
  const rss: PeakRss = new Map()
  const contenders = counts.map((count) => {
    const databases = `${dirs.databases}-${count}`
    return scriptContender(String(count), `migrateFleet() on ${count}`, [join(dirs.root, 'fleet.js'), databases], rss, {
      prepare: () => freshDatabases(databases, count),
    })
  })
  for (let round = 0; round < rounds; round++) {
    for (const c of contenders) {
      c.prepare?.()
      void c.run()
    }
  }
  for (const count of counts) rmSync(`${dirs.databases}-${count}`, { recursive: true, force: true })
  return new Map(counts.map((count) => [count, median(rss.get(String(count)) ?? [])]))
}
