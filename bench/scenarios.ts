/**
 * The scenarios, in the order they run and print: each has an id (for --only), a title, its contenders (ours
 * first: the baseline of every "ours / this" ratio) or a probe that prints its own figures, and its targets.
 */
import { appendFileSync, cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OtherContenders, OurTool } from './contenders'
import { fresh, migrationId, ourDatabase, peerDatabase, writeOurs, type ProjectDirs } from './fixtures'
import { fmt, median, timeOnce, type Contender } from './harness'
import { watchLatencies } from './watch'

export type ScenarioId = 'apply' | 'noop' | 'clone' | 'edit' | 'helper' | 'watch'

/** What a scenario measured, by key: each contender's median in ms (`ours`, `knex-api`, ...), or a probe's figures. */
export type Figures = ReadonlyMap<string, number>

export interface SizeContext {
  /** Number of migrations in the projects. */
  readonly n: number
  readonly dirs: ProjectDirs
  readonly ours: OurTool
  readonly others: OtherContenders
  readonly runs: number
  /** The contenders this run can time (no peers unless installed, no cold TypeScript compile at --smoke). */
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
}

/** Contenders timed in alternating rounds, printed with their ratios to ours. */
export interface RoundsScenario extends ScenarioBase {
  readonly kind: 'rounds'
  /** Untimed set-up, then the contenders, ours first. */
  readonly contenders: (ctx: SizeContext) => Promise<Contender[]>
}

/** Measures and prints its own figures. */
export interface ProbeScenario extends ScenarioBase {
  readonly kind: 'probe'
  /** Why it does not run at --smoke; its title is printed with this reason instead. */
  readonly skippedAtSmoke?: string
  readonly probe: (ctx: SizeContext, title: string) => Promise<Figures>
}

export type Scenario = RoundsScenario | ProbeScenario

/** ours / the contender `against`, when both were timed. */
const ratio = (label: (n: number) => string, against: string, limit: number): Target => ({
  label,
  limit,
  unit: 'x',
  value: (f) => {
    const [ours, other] = [f.get('ours'), f.get(against)]
    return ours !== undefined && other !== undefined ? ours / other : undefined
  },
})

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
    id: 'clone',
    kind: 'rounds',
    title: (n) => `fresh clone: compile + apply ${n}`,
    contenders: async ({ ours, others: o, dirs }) => [
      ours.migrate(dirs.ours, fresh(ourDatabase(dirs.ours), join(dirs.ours, 'migrations', 'dist'))),
      { ...o.umzug, prepare: fresh(peerDatabase(dirs.umzug)) },
      o.tsc,
    ],
    targetsFrom: 1000,
    targets: [ratio((n) => `fresh clone at ${n}: ours / umzug + tsx`, 'umzug', 0.5)],
  },
  {
    // The newest migration is pending and changes before every run; ours compiles and applies only it.
    id: 'edit',
    kind: 'rounds',
    title: (n) => `one edited migration of ${n}: compile + apply it`,
    async contenders({ n, ours, others: o, dirs }) {
      const db = ourDatabase(dirs.ours)
      await timeOnce(ours.migrate(dirs.ours, fresh(db)))
      await timeOnce(ours.down(dirs.ours))
      const template = `${db}.template`
      cpSync(db, template)
      const newest = join(dirs.ours, 'migrations', `${migrationId(n)}.ts`)
      let edit = 0
      const editNewest = () => {
        cpSync(template, db)
        appendFileSync(newest, `// edit ${++edit}\n`)
      }
      return [ours.migrate(dirs.ours, editNewest), o.tsc]
    },
    targetsFrom: 1000,
    targets: [ratio((n) => `one edited of ${n}: ours / tsc -p of all`, 'tsc', 0.5)],
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
