/**
 * npm run bench: gulp-sqlite-migrate against knex, umzug (TypeScript migrations through tsx) and Kysely, and
 * against floors (bare better-sqlite3), as whole processes on this machine. Every scenario alternates the
 * contenders round by round, so a noisy neighbour slows all of them alike, and reports medians and ratios
 * measured in the same run.
 *
 *   npm run bench                          # N = 100 and 1000, 5 rounds (install bench/ peers first: npm --prefix bench ci)
 *   npm run bench -- --sizes=1000 --runs=7
 *   npm run bench -- --smoke               # tiny, our tool and the floors only: what CI runs
 *   npm run bench -- --sizes=1000 --only=noop,edit --watch-sizes=500
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'

const REPO = resolve(__dirname, '..')
const WORK = join(__dirname, '.work')
const GULP = join(REPO, 'node_modules', 'gulp-cli', 'bin', 'gulp.js')
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')
const PEERS = join(__dirname, 'node_modules')

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string' },
    runs: { type: 'string' },
    smoke: { type: 'boolean' },
    'watch-sizes': { type: 'string' },
    only: { type: 'string' },
  },
})
const smoke = args.smoke === true
const sizes = (args.sizes ?? (smoke ? '5' : '100,1000')).split(',').map(Number)
const watchSizes = (args['watch-sizes'] ?? (smoke ? '5' : '10,500')).split(',').map(Number)
const runs = Number(args.runs ?? (smoke ? 1 : 5))
/** --only=apply,noop,clone,edit,helper: run just these scenarios (the watch sizes are separate: --watch-sizes=). */
const only = args.only?.split(',')
const wanted = (scenario: string) => !only || only.includes(scenario)
const peersInstalled =
  !smoke &&
  existsSync(join(PEERS, 'knex')) &&
  existsSync(join(PEERS, 'umzug')) &&
  existsSync(join(PEERS, 'kysely')) &&
  existsSync(join(PEERS, 'tsx'))

// ---------------------------------------------------------------------------------------------------------
// Fixtures: N small migrations (create table + index, add column, insert 10 rows) for every tool

const pad = (i: number) => String(i).padStart(14, '0').replace(/^0{6}/, '202611')
const migrationId = (i: number) => `${pad(i)}_table_${i}`
const ddl = (i: number) => [
  `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`,
  `CREATE INDEX t${i}_name ON t${i} (name)`,
  `ALTER TABLE t${i} ADD COLUMN note TEXT`,
]

function writeOurs(dir: string, n: number): void {
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

function ourMigration(i: number): string {
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
    `module.exports = { client: 'better-sqlite3', connection: { filename: ${JSON.stringify(join(dir, 'db.sqlite3'))} }, useNullAsDefault: true, migrations: { directory: ${JSON.stringify(join(dir, 'migrations'))} } }\n`,
  )
  writeFileSync(
    join(dir, 'api.js'),
    `const knex = require('knex')(require('./knexfile.js'))\nknex.migrate.latest().then(() => knex.destroy()).catch((e) => { console.error(e); process.exit(1) })\n`,
  )
  for (let i = 1; i <= n; i++) {
    writeFileSync(
      join(dir, 'migrations', `${migrationId(i)}.js`),
      `exports.up = async (knex) => {\n${ddl(i)
        .map((s) => `  await knex.raw(${JSON.stringify(s)})`)
        .join(
          '\n',
        )}\n  await knex('t${i}').insert(Array.from({ length: 10 }, (_, row) => ({ name: 'row ' + row })))\n}\nexports.down = (knex) => knex.raw('DROP TABLE t${i}')\n`,
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
const db = new Database(${JSON.stringify(join(dir, 'db.sqlite3'))})
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
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(${JSON.stringify(join(dir, 'db.sqlite3'))}) }) })
const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: ${JSON.stringify(join(dir, 'migrations'))} }) })
const { error } = await migrator.migrateToLatest()
await db.destroy()
if (error) { console.error(error); process.exit(1) }
`,
  )
  for (let i = 1; i <= n; i++) {
    writeFileSync(
      join(dir, 'migrations', `${migrationId(i)}.mjs`),
      `import { sql } from 'kysely'\nexport async function up(db) {\n${ddl(i)
        .map((s) => `  await sql.raw(${JSON.stringify(s)}).execute(db)`)
        .join(
          '\n',
        )}\n  await db.insertInto('t${i}').values(Array.from({ length: 10 }, (_, row) => ({ name: 'row ' + row }))).execute()\n}\nexport async function down(db) { await sql.raw('DROP TABLE t${i}').execute(db) }\n`,
    )
  }
}

function writeFloors(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true })
  const statements = Array.from({ length: n }, (_, k) => ({ sql: ddl(k + 1).join(';'), table: `t${k + 1}` }))
  writeFileSync(join(dir, 'migrations.json'), JSON.stringify(statements))
  const body = `const Database = require('better-sqlite3')
const db = new Database(${JSON.stringify(join(dir, 'db.sqlite3'))})
const migrations = require('./migrations.json')
const one = (m) => { db.exec(m.sql); const insert = db.prepare('INSERT INTO ' + m.table + ' (name) VALUES (?)'); for (let row = 0; row < 10; row++) insert.run('row ' + row) }
`
  writeFileSync(
    join(dir, 'open.js'),
    `const Database = require('better-sqlite3')\nnew Database(${JSON.stringify(join(dir, 'db.sqlite3'))}).prepare('SELECT 1').get()\n`,
  )
  writeFileSync(join(dir, 'each.js'), `${body}for (const m of migrations) db.transaction(() => one(m))()\n`)
  writeFileSync(join(dir, 'all.js'), `${body}db.transaction(() => { for (const m of migrations) one(m) })()\n`)
}

// ---------------------------------------------------------------------------------------------------------
// Timing

interface Contender {
  readonly name: string
  /** Runs before every timed run (not timed). */
  readonly prepare?: () => void
  readonly command: readonly string[]
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
}

function timeOnce(c: Contender): number {
  c.prepare?.()
  const [cmd, ...rest] = c.command
  const started = performance.now()
  const result = spawnSync(cmd, rest, { cwd: c.cwd, env: { ...process.env, FORCE_COLOR: '0', ...c.env }, encoding: 'utf8' })
  const elapsed = performance.now() - started
  if (result.status !== 0) throw new Error(`${c.name} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`)
  return elapsed
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

interface Measured {
  readonly name: string
  readonly median: number
  readonly min: number
  readonly max: number
}

/** One warm-up, then `runs` rounds in which every contender runs once, in turn. */
function measure(title: string, contenders: readonly Contender[]): Map<string, Measured> {
  for (const c of contenders) timeOnce(c)
  const samples = new Map(contenders.map((c) => [c.name, [] as number[]]))
  for (let round = 0; round < runs; round++) for (const c of contenders) samples.get(c.name)?.push(timeOnce(c))
  const results = new Map(
    contenders.map((c) => {
      const xs = samples.get(c.name) as number[]
      return [c.name, { name: c.name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }]
    }),
  )
  print(title, [...results.values()])
  return results
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)

function print(title: string, results: readonly Measured[]): void {
  const [ours] = results
  console.log(`\n${title}`)
  for (const r of results) {
    const ratio = r === ours ? '' : `   ours / this = ${(ours.median / r.median).toFixed(2)}x`
    console.log(`  ${r.name.padEnd(44)} ${fmt(r.median).padStart(8)}  [${fmt(r.min)} - ${fmt(r.max)}]${ratio}`)
  }
}

const targets: string[] = []
function target(label: string, value: number, limit: number, unit = 'x'): void {
  targets.push(
    `  ${value <= limit ? 'met   ' : 'MISSED'} ${label}: ${value.toFixed(unit === 'x' ? 2 : 1)}${unit} (target <= ${limit}${unit})`,
  )
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

const gulp = (dir: string, ...task: string[]): Contender['command'] => [
  process.execPath,
  GULP,
  '--gulpfile',
  join(REPO, 'gulpfile.ts'),
  '--cwd',
  dir,
  ...task,
]
const node = (...a: string[]) => [process.execPath, ...a]
const fresh =
  (...paths: string[]) =>
  () => {
    for (const p of paths) for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(p + suffix, { force: true, recursive: true })
  }

function benchSize(n: number): void {
  const root = join(WORK, String(n))
  rmSync(root, { recursive: true, force: true })
  const dirs = {
    ours: join(root, 'ours'),
    knex: join(root, 'knex'),
    umzug: join(root, 'umzug'),
    kysely: join(root, 'kysely'),
    floor: join(root, 'floor'),
  }
  writeOurs(dirs.ours, n)
  writeFloors(dirs.floor, n)
  if (peersInstalled) {
    writeKnex(dirs.knex, n)
    writeUmzug(dirs.umzug, n)
    writeKysely(dirs.kysely, n)
  }
  const ourDb = join(dirs.ours, 'data', 'app.sqlite3')
  const peerDb = (dir: string) => join(dir, 'db.sqlite3')
  console.log(`\n=== N = ${n} migrations (${runs} rounds, medians [min - max]) ===`)

  const ours: Contender = { name: 'gulp-sqlite-migrate: gulp migrate', command: gulp(dirs.ours, 'migrate'), cwd: REPO }
  const knexCli: Contender = {
    name: 'knex 3 CLI migrate:latest',
    command: node(join(PEERS, 'knex', 'bin', 'cli.js'), 'migrate:latest', '--knexfile', join(dirs.knex, 'knexfile.js')),
    cwd: dirs.knex,
  }
  const knexApi: Contender = { name: 'knex 3 API migrate.latest (one transaction)', command: node('api.js'), cwd: dirs.knex }
  const umzug: Contender = { name: 'umzug 3 + tsx (TypeScript migrations)', command: node('--import', 'tsx', 'umzug.ts'), cwd: dirs.umzug }
  const kysely: Contender = { name: 'Kysely Migrator', command: node('kysely.mjs'), cwd: dirs.kysely }
  const floorOpen: Contender = { name: 'floor: node + better-sqlite3 + open', command: node('open.js'), cwd: dirs.floor }
  const floorEach: Contender = {
    name: 'floor: inlined SQL, a transaction each',
    command: node('each.js'),
    cwd: dirs.floor,
    prepare: fresh(peerDb(dirs.floor)),
  }
  const floorAll: Contender = {
    name: 'floor: inlined SQL, one transaction',
    command: node('all.js'),
    cwd: dirs.floor,
    prepare: fresh(peerDb(dirs.floor)),
  }
  const tsc: Contender = {
    name: `tsc -p of all ${n} (type-check + emit)`,
    command: node(TSC, '-p', join(dirs.ours, 'migrations'), '--outDir', join(root, 'tsc-out')),
    cwd: REPO,
  }

  const needsPeers = (list: Contender[]) => (peersInstalled ? list : [])
  const measured = (scenario: string, title: string, contenders: () => Contender[]) =>
    wanted(scenario) ? measure(title, contenders()) : undefined
  const ratio = (map: Map<string, Measured> | undefined, a: Contender, b: Contender) =>
    map ? (map.get(a.name) as Measured).median / (map.get(b.name) as Measured).median : undefined

  // 1. Apply on a fresh database, migrations already compiled.
  timeOnce({ ...ours, command: gulp(dirs.ours, 'migrate:build') })
  const apply = measured('apply', `apply ${n} pending on a fresh database (ours already compiled)`, () => [
    { ...ours, prepare: fresh(ourDb) },
    ...needsPeers([
      { ...knexApi, prepare: fresh(peerDb(dirs.knex)) },
      { ...knexCli, prepare: fresh(peerDb(dirs.knex)) },
      { ...umzug, prepare: fresh(peerDb(dirs.umzug)) },
      { ...kysely, prepare: fresh(peerDb(dirs.kysely)) },
    ]),
    floorEach,
    floorAll,
  ])

  // 2. No-op: everything applied and unchanged (the cost on every start).
  const noop = measured('noop', `no-op: ${n} applied, nothing changed`, () => {
    for (const c of [ours, ...needsPeers([knexCli, umzug, kysely])]) timeOnce(c)
    writeFileSync(join(dirs.floor, 'db.sqlite3'), '')
    return [ours, ...needsPeers([knexCli, umzug, kysely]), floorOpen]
  })

  // 3. Fresh clone: compile and apply everything.
  const clone = measured('clone', `fresh clone: compile + apply ${n}`, () => [
    { ...ours, prepare: fresh(ourDb, join(dirs.ours, 'migrations', 'dist')) },
    ...needsPeers([{ ...umzug, prepare: fresh(peerDb(dirs.umzug)) }]),
    tsc,
  ])

  // 4. One edited migration of N: the newest is pending and changes; ours compiles and applies only it.
  const edited = measured('edit', `one edited migration of ${n}: compile + apply it`, () => {
    timeOnce({ ...ours, prepare: fresh(ourDb) })
    timeOnce({ ...ours, name: 'roll back the newest', command: gulp(dirs.ours, 'migrate:down') })
    const template = `${ourDb}.template`
    cpSync(ourDb, template)
    let edit = 0
    return [
      {
        ...ours,
        prepare: () => {
          cpSync(template, ourDb)
          appendFileSync(join(dirs.ours, 'migrations', `${migrationId(n)}.ts`), `// edit ${++edit}\n`)
        },
      },
      tsc,
    ]
  })

  // 5. createMigratedDatabase(): the first call migrates, later ones copy.
  let helper: { first: number; median: number } | undefined
  if (wanted('helper')) {
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const { createMigratedDatabase } = require(${JSON.stringify(join(REPO, 'lib'))})
         const options = { migrationsDir: ${JSON.stringify(join(dirs.ours, 'migrations'))}, compile: false }
         ;(async () => {
           let t = performance.now(); (await createMigratedDatabase(options)).close(); const first = performance.now() - t
           const xs = []
           for (let i = 0; i < 21; i++) { t = performance.now(); const db = await createMigratedDatabase(options); xs.push(performance.now() - t); db.close() }
           xs.sort((a, b) => a - b)
           console.log(JSON.stringify({ first, median: xs[10] }))
         })()`,
      ],
      { cwd: REPO, encoding: 'utf8' },
    )
    helper = JSON.parse(probe.stdout) as { first: number; median: number }
    console.log(
      `\ncreateMigratedDatabase() with ${n} migrations\n  first call (migrates)  ${fmt(helper.first)}\n  each later call        ${helper.median.toFixed(2)} ms (median of 21)`,
    )
  }

  if (n >= 1000 || smoke) {
    const check = (label: string, value: number | undefined, limit: number, unit?: string) =>
      value !== undefined && target(label, value, limit, unit)
    if (peersInstalled) {
      check(`no-op at ${n}: ours / knex CLI`, ratio(noop, ours, knexCli), 1.5)
      check(`apply ${n}: ours / knex API`, ratio(apply, ours, knexApi), 1.0)
      check(`fresh clone at ${n}: ours / umzug + tsx`, ratio(clone, ours, umzug), 0.5)
    }
    check(`apply ${n}: ours / one-transaction floor`, ratio(apply, ours, floorAll), 2.0)
    check(`one edited of ${n}: ours / tsc -p of all`, ratio(edited, ours, tsc), 0.5)
    check(`createMigratedDatabase() after the first, at ${n}`, helper?.median, 5, ' ms')
  }
}

/** Time from saving a new migration to seeing it applied, through `gulp migrate:watch` (debounce included). */
async function benchWatch(n: number): Promise<void> {
  const dir = join(WORK, `watch-${n}`)
  rmSync(dir, { recursive: true, force: true })
  writeOurs(dir, n)
  const child = spawn(gulp(dir, 'migrate:watch')[0], gulp(dir, 'migrate:watch').slice(1), {
    cwd: REPO,
    env: { ...process.env, FORCE_COLOR: '0' },
  })
  let output = ''
  const waiters: Array<() => void> = []
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
    for (const w of waiters.splice(0)) w()
  })
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const until = async (pattern: RegExp) => {
    const deadline = Date.now() + 120_000
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`watch bench timed out on ${pattern}:\n${output}`)
      await new Promise<void>((r) => {
        waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }
  try {
    await until(/Watching/)
    const latencies: number[] = []
    for (let k = 1; k <= Math.max(runs, 3); k++) {
      const id = migrationId(n + k)
      const started = performance.now()
      writeFileSync(join(dir, 'migrations', `${id}.ts`), ourMigration(n + k))
      await until(new RegExp(`Applied ${id} `))
      latencies.push(performance.now() - started)
      await new Promise((r) => setTimeout(r, 300))
    }
    console.log(
      `\nwatch: save a new migration → applied, with ${n} existing (type-checked, 50 ms debounce included)\n  median ${fmt(median(latencies))}  [${fmt(Math.min(...latencies))} - ${fmt(Math.max(...latencies))}] over ${latencies.length} saves`,
    )
    if (n >= 500 || smoke) target(`watch latency at ${n}`, median(latencies), 500, ' ms')
  } finally {
    child.kill('SIGINT')
  }
}

async function main(): Promise<void> {
  console.log(
    `gulp-sqlite-migrate benchmark, ${new Date().toISOString()}, node ${process.version}, ${require('node:os').cpus().length} cores`,
  )
  if (!smoke && !peersInstalled)
    console.log('(bench/ peers not installed: run `npm --prefix bench ci` to compare with knex, umzug and Kysely)')
  for (const n of sizes) benchSize(n)
  for (const n of watchSizes) await benchWatch(n)
  console.log(`\nTargets\n${targets.join('\n')}`)
  if (!smoke) rmSync(WORK, { recursive: true, force: true })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
