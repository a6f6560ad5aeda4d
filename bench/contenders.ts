/**
 * The contenders: our tool (as `gulp` processes for the full bench, or in this process through its public API at
 * --smoke), with the default compiler or with a named engine (engines.ts), knex, umzug + tsx, Kysely, `tsc -p`
 * of TypeScript 5.9 and 7, and the floors (bare better-sqlite3).
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { TS7, type Engine } from './engines'
import { fresh, ourDatabase, peerDatabase, type ProjectDirs } from './fixtures'
import { processContender, type Contender } from './harness'
import { GULP, PEERS, REPO, TSC } from './paths'
import { probeHelper, type HelperFigures } from './probe'

export const gulp = (dir: string, ...task: string[]): string[] => gulpWith(join(REPO, 'gulpfile.ts'), dir, ...task)
const gulpWith = (gulpfile: string, dir: string, ...task: string[]): string[] => [
  process.execPath,
  GULP,
  '--gulpfile',
  gulpfile,
  '--cwd',
  dir,
  ...task,
]
const node = (...args: string[]) => [process.execPath, ...args]

/**
 * Our tool on a project written by `writeOurs`. With the default compiler every contender it returns has the key
 * `ours`; with an engine, `<engine>:migrate`, `<engine>:build` and `<engine>:down` (`ts7:migrate`, ...).
 */
export interface OurTool {
  /** Compile what changed, then apply what is pending (`gulp migrate`). */
  migrate(dir: string, prepare?: () => void): Contender
  /** Compile and write the CommonJS marker, apply nothing (`gulp migrate:build`). */
  build(dir: string, prepare?: () => void): Contender
  /** Roll back the newest migration (`gulp migrate:down`). */
  down(dir: string): Contender
  /** createMigratedDatabase() on the compiled project: the first call, and the median of 21 later ones. */
  helper(dir: string): Promise<HelperFigures>
}

/** `ours`, or `<engine>:<operation>`. */
const keyOf = (engine: Engine | undefined, operation: 'migrate' | 'build' | 'down') => (engine ? `${engine.key}:${operation}` : 'ours')
const nameOf = (engine: Engine | undefined, what: string) => `gulp-sqlite-migrate${engine ? `, ${engine.label}` : ''}: ${what}`

/**
 * The full bench: whole `gulp` processes, and a process of its own for the helper. Without an engine, with this
 * repository's gulpfile (the default compiler); with one, with `gulpfile`, which names it (`writeEngineGulpfile`).
 */
export function cliTool(engine?: Engine, gulpfile = join(REPO, 'gulpfile.ts')): OurTool {
  const task = (dir: string, name: string) => gulpWith(gulpfile, dir, name)
  return {
    migrate: (dir, prepare) =>
      processContender(keyOf(engine, 'migrate'), nameOf(engine, 'gulp migrate'), task(dir, 'migrate'), REPO, { prepare }),
    build: (dir, prepare) =>
      processContender(keyOf(engine, 'build'), nameOf(engine, 'gulp migrate:build'), task(dir, 'migrate:build'), REPO, { prepare }),
    down: (dir) => processContender(keyOf(engine, 'down'), 'roll back the newest', task(dir, 'migrate:down'), REPO),
    helper(dir) {
      const script = `require(${JSON.stringify(join(__dirname, 'probe.ts'))})
        .probeHelper(require('gulp-sqlite-migrate').createMigratedDatabase, ${JSON.stringify(join(dir, 'migrations'))})
        .then((figures) => console.log(JSON.stringify(figures)))`
      // cwd is this repository, so `gulp-sqlite-migrate` is the package itself (its built lib/), as users load it.
      const probe = spawnSync(process.execPath, ['-r', 'sucrase/register/ts', '-e', script], { cwd: REPO, encoding: 'utf8' })
      if (probe.status !== 0) throw new Error(`createMigratedDatabase() probe failed (exit ${probe.status}):\n${probe.stderr}`)
      return Promise.resolve(JSON.parse(probe.stdout) as HelperFigures)
    },
  }
}

/**
 * --smoke: the same operations through the public API in this process, so that TypeScript is loaded once and
 * every later compile is warm. Proves each scenario's path of our tool in milliseconds; its times mean little.
 * `gulp-sqlite-migrate` is resolved from this repository (bench/ is a package of its own): the package itself,
 * its built lib/, as the gulpfile and the full bench use it.
 */
export function apiTool(engine?: Engine): OurTool {
  // Loaded here only: the full bench never loads the plugin into its own process.
  const api = createRequire(join(REPO, 'package.json'))('gulp-sqlite-migrate') as typeof import('gulp-sqlite-migrate')
  const name = nameOf(engine, 'API, in this process')
  const folders = (dir: string) => ({ sourceDir: join(dir, 'migrations'), distDir: join(dir, 'migrations', 'dist') })
  const choice = engine ? { compiler: engine.compiler, typescript: engine.typescript } : {}
  const build = async (dir: string) => {
    await api.compileMigrations({ ...folders(dir), ...choice })
    api.writeCommonJsMarker(folders(dir).distDir)
  }
  type Work = (db: ReturnType<typeof api.openDatabase>, available: ReturnType<typeof api.listCompiledMigrations>) => Promise<unknown>
  const withDatabase = async (dir: string, work: Work) => {
    const db = api.openDatabase(ourDatabase(dir), { busyTimeoutMs: 5_000 })
    try {
      await work(db, api.listCompiledMigrations(folders(dir)))
    } finally {
      db.close()
    }
  }
  return {
    migrate: (dir, prepare) => ({
      key: keyOf(engine, 'migrate'),
      name,
      prepare,
      run: async () => {
        await build(dir)
        await withDatabase(dir, (db, available) => api.applyMigrations(db, available))
      },
    }),
    build: (dir, prepare) => ({ key: keyOf(engine, 'build'), name: `${name}: build`, prepare, run: () => build(dir) }),
    down: (dir) => ({
      key: keyOf(engine, 'down'),
      name: 'roll back the newest',
      run: () => withDatabase(dir, (db, a) => api.rollbackMigrations(db, a, { step: 1 })),
    }),
    helper: (dir) => probeHelper(api.createMigratedDatabase, join(dir, 'migrations')),
  }
}

/** Everyone but us, for one size. */
export interface OtherContenders {
  readonly knexCli: Contender
  readonly knexApi: Contender
  readonly umzug: Contender
  readonly kysely: Contender
  readonly floorOpen: Contender
  readonly floorEach: Contender
  readonly floorAll: Contender
  /** `tsc -p` of TypeScript 5.9 on our project: the baseline of the compile scenarios. */
  readonly tsc: Contender
  /** The same with TypeScript 7's `tsc` (for reference: what its compiler alone costs). */
  readonly tsc7: Contender
}

export function otherContenders(dirs: ProjectDirs, root: string, n: number): OtherContenders {
  const peers = { needs: 'peers' } as const
  const knexCli = node(join(PEERS, 'knex', 'bin', 'cli.js'), 'migrate:latest', '--knexfile', join(dirs.knex, 'knexfile.js'))
  const floorDb = fresh(peerDatabase(dirs.floor))
  return {
    knexCli: processContender('knex-cli', 'knex 3 CLI migrate:latest', knexCli, dirs.knex, peers),
    knexApi: processContender('knex-api', 'knex 3 API migrate.latest (one transaction)', node('api.js'), dirs.knex, peers),
    umzug: processContender('umzug', 'umzug 3 + tsx (TypeScript migrations)', node('--import', 'tsx', 'umzug.ts'), dirs.umzug, peers),
    kysely: processContender('kysely', 'Kysely Migrator', node('kysely.mjs'), dirs.kysely, peers),
    floorOpen: processContender('floor-open', 'floor: node + better-sqlite3 + open', node('open.js'), dirs.floor),
    floorEach: processContender('floor-each', 'floor: inlined SQL, a transaction each', node('each.js'), dirs.floor, { prepare: floorDb }),
    floorAll: processContender('floor-all', 'floor: inlined SQL, one transaction', node('all.js'), dirs.floor, { prepare: floorDb }),
    tsc: processContender(
      'tsc',
      `tsc -p of all ${n}, TS 5.9 (type-check + emit)`,
      node(TSC, '-p', join(dirs.ours, 'migrations'), '--outDir', join(root, 'tsc-out')),
      REPO,
      { needs: 'full-run' },
    ),
    tsc7: processContender(
      'tsc7',
      `tsc -p of all ${n}, TS 7 (type-check + emit)`,
      node(join(TS7, 'bin', 'tsc'), '-p', join(dirs.ours, 'migrations'), '--outDir', join(root, 'tsc7-out')),
      REPO,
      { needs: 'full-run' },
    ),
  }
}
