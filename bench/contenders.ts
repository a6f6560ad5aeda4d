/**
 * The contenders: our tool (as `gulp` processes for the full bench, or in this process through its public API at
 * --smoke), knex, umzug + tsx, Kysely, `tsc -p`, and the floors (bare better-sqlite3).
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fresh, ourDatabase, peerDatabase, type ProjectDirs } from './fixtures'
import { processContender, type Contender } from './harness'
import { GULP, PEERS, REPO, TSC } from './paths'
import { probeHelper, type HelperFigures } from './probe'

export const gulp = (dir: string, ...task: string[]): string[] => [
  process.execPath,
  GULP,
  '--gulpfile',
  join(REPO, 'gulpfile.ts'),
  '--cwd',
  dir,
  ...task,
]
const node = (...args: string[]) => [process.execPath, ...args]

/** Our tool on a project written by `writeOurs`; every contender it returns has the key `ours`. */
export interface OurTool {
  /** Compile what changed, then apply what is pending (`gulp migrate`). */
  migrate(dir: string, prepare?: () => void): Contender
  /** Compile and write the CommonJS marker, apply nothing (`gulp migrate:build`). */
  build(dir: string): Contender
  /** Roll back the newest migration (`gulp migrate:down`). */
  down(dir: string): Contender
  /** createMigratedDatabase() on the compiled project: the first call, and the median of 21 later ones. */
  helper(dir: string): Promise<HelperFigures>
}

/** The full bench: whole `gulp` processes with this repository's gulpfile, and a process of its own for the helper. */
export function cliTool(): OurTool {
  return {
    migrate: (dir, prepare) => processContender('ours', 'gulp-sqlite-migrate: gulp migrate', gulp(dir, 'migrate'), REPO, { prepare }),
    build: (dir) => processContender('ours', 'gulp-sqlite-migrate: gulp migrate:build', gulp(dir, 'migrate:build'), REPO),
    down: (dir) => processContender('ours', 'roll back the newest', gulp(dir, 'migrate:down'), REPO),
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
export function apiTool(): OurTool {
  // Loaded here only: the full bench never loads the plugin into its own process.
  const api = createRequire(join(REPO, 'package.json'))('gulp-sqlite-migrate') as typeof import('gulp-sqlite-migrate')
  const name = 'gulp-sqlite-migrate: API, in this process'
  const folders = (dir: string) => ({ sourceDir: join(dir, 'migrations'), distDir: join(dir, 'migrations', 'dist') })
  const build = async (dir: string) => {
    await api.compileMigrations(folders(dir))
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
      key: 'ours',
      name,
      prepare,
      run: async () => {
        await build(dir)
        await withDatabase(dir, (db, available) => api.applyMigrations(db, available))
      },
    }),
    build: (dir) => ({ key: 'ours', name: `${name}: build`, run: () => build(dir) }),
    down: (dir) => ({
      key: 'ours',
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
  readonly tsc: Contender
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
      `tsc -p of all ${n} (type-check + emit)`,
      node(TSC, '-p', join(dirs.ours, 'migrations'), '--outDir', join(root, 'tsc-out')),
      REPO,
      { needs: 'cold-compile' },
    ),
  }
}
