/**
 * The scenarios, in the order they run and print: each has an id (for --only), a title, its contenders (ours
 * first: the baseline of every "ours / this" ratio; or, in the engine scenarios, a named baseline that every
 * engine is divided by) or a probe that prints its own figures, and its targets.
 */
import { appendFileSync, cpSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { OtherContenders, OurTool } from './contenders'
import type { Engine, EngineKey } from './engines'
import { fleetDirs, freshContenders, freshDatabases, noopContenders, peakRss, writeFleetProject, type FleetDirs } from './fleet'
import { fresh, migrationId, ourDatabase, peerDatabase, writeOurs, type ProjectDirs } from './fixtures'
import { fmt, median, timeOnce, type Contender } from './harness'
import { watchLatencies } from './watch'

export type ScenarioId = 'apply' | 'noop' | 'compile' | 'clone' | 'edit' | 'helper' | 'fleet' | 'watch'

/** One compile engine, our tool with it, and its own copy of our project. */
export interface EngineProject {
  readonly engine: Engine
  readonly tool: OurTool
  readonly dir: string
}

/** What a scenario measured, by key: each contender's median in ms (`ours`, `knex-api`, ...), or a probe's figures. */
export type Figures = ReadonlyMap<string, number>

export interface SizeContext {
  /** Number of migrations in the projects; in the fleet scenarios, number of databases. */
  readonly n: number
  /** --smoke: the fleet scenarios run fewer migrations, through the API in this process. */
  readonly smoke: boolean
  /** Whether knex, umzug and Kysely take part. */
  readonly peers: boolean
  readonly dirs: ProjectDirs
  readonly ours: OurTool
  /** Our tool with each compile engine, each on its own project. */
  readonly engines: readonly EngineProject[]
  readonly others: OtherContenders
  readonly runs: number
  /** The contenders this run can time (no peers unless installed, no cold `tsc -p` compile or other full-run-only one at --smoke). */
  readonly keep: (contenders: readonly Contender[]) => Contender[]
}

export interface Target {
  readonly label: (n: number) => string
  readonly value: (figures: Figures) => number | undefined
  readonly limit: number
  readonly unit: 'x' | ' ms'
}

interface ScenarioBase {
  readonly id: ScenarioId
  readonly title: (n: number) => string
  readonly targets: readonly Target[]
  /** Targets are checked from this size on (and at every size at --smoke). */
  readonly targetsFrom: number
  /** Runs at each of --watch-sizes (on a project of its own) rather than at each of --sizes. */
  readonly atWatchSizes?: true
  /** Runs at each of --fleet-sizes (numbers of databases, on a project of its own) rather than at each of --sizes. */
  readonly atFleetSizes?: true
}

/** Contenders timed in alternating rounds, printed with their ratios to ours, or to `baseline`. */
export interface RoundsScenario extends ScenarioBase {
  readonly kind: 'rounds'
  /** Untimed set-up, then the contenders: ours first, or the baseline first when there is one. */
  readonly contenders: (ctx: SizeContext) => Promise<Contender[]>
  /**
   * The key of the contender every other one is divided by (`this / baseline`), instead of dividing ours by
   * every other one: the engine scenarios, which have several of ours. When it is not timed (--smoke), no ratio.
   */
  readonly baseline?: string
}

/** Measures and prints its own figures. */
export interface ProbeScenario extends ScenarioBase {
  readonly kind: 'probe'
  /** Why it does not run at --smoke; its title is printed with this reason instead. */
  readonly skippedAtSmoke?: string
  readonly probe: (ctx: SizeContext, title: string) => Promise<Figures>
}

export type Scenario = RoundsScenario | ProbeScenario

/** The contender `key` (default ours) / the contender `against`, when both were timed. */
const ratio = (label: (n: number) => string, against: string, limit: number, key = 'ours'): Target => ({
  label,
  limit,
  unit: 'x',
  value: (f) => {
    const [ours, other] = [f.get(key), f.get(against)]
    return ours !== undefined && other !== undefined ? ours / other : undefined
  },
})

/** A target on one engine's contender, `<engine>:<operation>` / `against`. */
const engineRatio = (engine: EngineKey, operation: 'migrate' | 'build', what: (n: number) => string, against: string, limit: number) =>
  ratio((n) => `${what(n)}, ${engine === 'ts7' ? 'TS 7 tsc' : 'TS 5.9 gulp-typescript'}`, against, limit, `${engine}:${operation}`)

const distOf = (dir: string) => join(dir, 'migrations', 'dist')

/** A fleet size's project: written and compiled (`gulp migrate:build`) once, whichever fleet scenario runs first. */
const fleetProjects = new Map<string, FleetDirs>()
async function fleetProject({ dirs: projects, ours, smoke, peers }: SizeContext): Promise<FleetDirs> {
  const dirs = fleetDirs(dirname(projects.ours))
  if (!fleetProjects.has(dirs.root)) {
    writeFleetProject(dirs, smoke, peers)
    await timeOnce(ours.build(dirs.ours))
    fleetProjects.set(dirs.root, dirs)
  }
  return dirs
}

/** Peak RSS of the fleet at a quarter of the size and at the size (or at the size and 4x, `FLEET_RSS_UP`). */
const rssCounts = (n: number): number[] => (FLEET_RSS_UP ? [n, 4 * n] : [Math.max(1, Math.round(n / 4)), n])
const FLEET_RSS_UP = false
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'apply',
    kind: 'rounds',
    title: (n) => `apply ${n} pending on a fresh database (ours already compiled)`,
    async contenders({ ours, others: o, dirs }) {
      await timeOnce(ours.build(dirs.ours))
      return [
        ours.migrate(dirs.ours, fresh(ourDatabase(dirs.ours))),
        { ...o.knexApi, prepare: fresh(peerDatabase(dirs.knex)) },
        { ...o.knexCli, prepare: fresh(peerDatabase(dirs.knex)) },
        { ...o.umzug, prepare: fresh(peerDatabase(dirs.umzug)) },
        { ...o.kysely, prepare: fresh(peerDatabase(dirs.kysely)) },
        o.floorEach,
        o.floorAll,
      ]
    },
    targetsFrom: 1000,
    targets: [
      ratio((n) => `apply ${n}: ours / knex API`, 'knex-api', 1.0),
      ratio((n) => `apply ${n}: ours / one-transaction floor`, 'floor-all', 2.0),
    ],
  },
  {
    id: 'noop',
    kind: 'rounds',
    title: (n) => `no-op: ${n} applied, nothing changed`,
    async contenders({ ours, others: o, dirs, keep }) {
      const tools = keep([ours.migrate(dirs.ours), o.knexCli, o.umzug, o.kysely])
      for (const c of tools) await timeOnce(c) // everything applied, whatever ran before
      writeFileSync(peerDatabase(dirs.floor), '')
      return [...tools, o.floorOpen]
    },
    targetsFrom: 1000,
    targets: [ratio((n) => `no-op at ${n}: ours / knex CLI`, 'knex-cli', 1.5)],
  },
  {
    // Every engine from nothing: no output folder, no build info (it lives in the output folder).
    id: 'compile',
    kind: 'rounds',
    title: (n) => `compile ${n} from scratch, each engine (gulp migrate:build, no output yet)`,
    baseline: 'tsc',
    contenders: async ({ engines, others: o }) => [o.tsc, ...engines.map(({ tool, dir }) => tool.build(dir, fresh(distOf(dir)))), o.tsc7],
    targetsFrom: 1000,
    targets: [],
  },
  {
    id: 'clone',
    kind: 'rounds',
    title: (n) => `fresh clone: compile + apply ${n}, each engine`,
    baseline: 'umzug',
    contenders: async ({ engines, others: o, dirs }) => [
      { ...o.umzug, prepare: fresh(peerDatabase(dirs.umzug)) },
      ...engines.map(({ tool, dir }) => tool.migrate(dir, fresh(ourDatabase(dir), distOf(dir)))),
      o.tsc,
    ],
    targetsFrom: 1000,
    targets: [
      engineRatio('ts7', 'migrate', (n) => `fresh clone at ${n}: ours / umzug + tsx`, 'umzug', 0.3),
      engineRatio('ts59', 'migrate', (n) => `fresh clone at ${n}: ours / umzug + tsx`, 'umzug', 0.5),
    ],
  },
  {
    // The newest migration is pending and changes before every run; ours compiles (and applies) only it. Each
    // engine twice: `gulp migrate:build` (recompile only), then `gulp migrate` (recompile + apply).
    id: 'edit',
    kind: 'rounds',
    title: (n) => `one edited migration of ${n}: recompile it (build), or recompile + apply it (migrate), each engine`,
    baseline: 'tsc',
    async contenders({ n, engines, others: o }) {
      const contenders = [o.tsc]
      for (const { tool, dir } of engines) {
        const db = ourDatabase(dir)
        await timeOnce(tool.migrate(dir, fresh(db)))
        await timeOnce(tool.down(dir))
        const template = `${db}.template`
        cpSync(db, template)
        const newest = join(dir, 'migrations', `${migrationId(n)}.ts`)
        let edit = 0
        const editNewest = () => appendFileSync(newest, `// edit ${++edit}\n`)
        contenders.push(
          { ...tool.build(dir, editNewest), needs: 'full-run' }, // --smoke proves the recompile with migrate
          tool.migrate(dir, () => {
            cpSync(template, db)
            editNewest()
          }),
        )
      }
      return contenders
    },
    targetsFrom: 1000,
    targets: [
      engineRatio('ts7', 'migrate', (n) => `one edited of ${n}: compile + apply / tsc -p TS 5.9`, 'tsc', 0.25),
      engineRatio('ts59', 'migrate', (n) => `one edited of ${n}: compile + apply / tsc -p TS 5.9`, 'tsc', 0.5),
    ],
  },
  {
    // The first call migrates, later ones copy.
    id: 'helper',
    kind: 'probe',
    title: (n) => `createMigratedDatabase() with ${n} migrations`,
    async probe({ ours, dirs }, title) {
      await timeOnce(ours.build(dirs.ours)) // compiled, whichever scenarios ran before
      const { first, median } = await ours.helper(dirs.ours)
      console.log(`\n${title}\n  first call (migrates)  ${fmt(first)}\n  each later call        ${median.toFixed(2)} ms (median of 21)`)
      return new Map([
        ['first', first],
        ['later', median],
      ])
    },
    targetsFrom: 1000,
    targets: [{ label: (n) => `createMigratedDatabase() after the first, at ${n}`, value: (f) => f.get('later'), limit: 5, unit: ' ms' }],
  },
  {
    // N tenant databases, fresh (empty files, recreated before every run), each to migrate from nothing.
    id: 'fleet',
    kind: 'rounds',
    atFleetSizes: true,
    title: (n) => `fleet, fresh: ${n} databases, every migration pending (the loop over applyMigrations() is the baseline)`,
    baseline: 'loop',
    contenders: async (ctx) => freshContenders(await fleetProject(ctx), ctx.n, ctx.smoke, new Map()),
    targetsFrom: 1000,
    targets: [
      ratio((n) => `fleet of ${n}, fresh: migrateFleet() / loop over applyMigrations()`, 'loop', 1 / 1.6, 'fleet'),
      ratio((n) => `fleet of ${n}, fresh: migrateFleet() / knex loop`, 'knex-loop', 1.0, 'fleet'),
    ],
  },
  {
    id: 'fleet',
    kind: 'rounds',
    atFleetSizes: true,
    title: (n) => `fleet, nothing pending: ${n} databases up to date`,
    async contenders(ctx) {
      const dirs = await fleetProject(ctx)
      freshDatabases(dirs.databases, ctx.n)
      const [fleet] = freshContenders(dirs, ctx.n, ctx.smoke, new Map()).filter((c) => c.key === 'fleet')
      await timeOnce(fleet) // every database migrated
      const contenders = noopContenders(dirs, ctx.ours, ctx.smoke)
      for (const c of contenders.slice(1)) await timeOnce(c) // the one database, migrated
      return contenders
    },
    targetsFrom: 1000,
    targets: [
      {
        label: (n) => `fleet of ${n}, nothing pending: whole gulp migrate --databases`,
        value: (f) => f.get('fleet-noop'),
        limit: 1000,
        unit: ' ms',
      },
    ],
  },
  {
    id: 'fleet',
    kind: 'probe',
    atFleetSizes: true,
    skippedAtSmoke: 'peak RSS is measured in child processes on a full-size fleet',
    title: (n) => `fleet, memory: peak RSS of migrateFleet() (default pool, fresh) over ${rssCounts(n).join(' and ')} databases`,
    async probe(ctx, title) {
      const dirs = await fleetProject(ctx)
      const counts = rssCounts(ctx.n)
      const rss = peakRss(dirs, counts, Math.max(3, Math.min(ctx.runs, 5)))
      const [small, large] = counts.map((count) => rss.get(count) ?? NaN)
      const lines = counts.map((count) => `  ${String(count).padStart(6)} databases  ${mb(rss.get(count) ?? NaN)} (median peak RSS)`)
      console.log(`\n${title}\n${lines.join('\n')}\n  ratio ${(large / small).toFixed(2)}x for ${counts[1] / counts[0]}x the databases`)
      return new Map([['rss-ratio', large / small]])
    },
    targetsFrom: 1000,
    targets: [
      {
        label: (n) => `fleet memory: peak RSS at ${rssCounts(n)[1]} / at ${rssCounts(n)[0]} databases`,
        value: (f) => f.get('rss-ratio'),
        limit: 1.25,
        unit: 'x',
      },
    ],
  },
  {
    id: 'watch',
    kind: 'probe',
    atWatchSizes: true,
    skippedAtSmoke: 'every save is type-checked by a watch process that loads TypeScript cold',
    title: (n) => `watch: save a new migration → applied, with ${n} existing (type-checked, 50 ms debounce included)`,
    async probe({ n, dirs, runs }, title) {
      writeOurs(dirs.ours, n)
      const latencies = await watchLatencies(dirs.ours, n, Math.max(runs, 3))
      const [m, min, max] = [median(latencies), Math.min(...latencies), Math.max(...latencies)]
      console.log(`\n${title}\n  median ${fmt(m)}  [${fmt(min)} - ${fmt(max)}] over ${latencies.length} saves`)
      return new Map([['latency', m]])
    },
    targetsFrom: 500,
    targets: [{ label: (n) => `watch latency at ${n}`, value: (f) => f.get('latency'), limit: 500, unit: ' ms' }],
  },
]
