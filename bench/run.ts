/**
 * npm run bench: gulp-sqlite-migrate against knex, umzug (TypeScript migrations through tsx) and Kysely, and
 * against floors (bare better-sqlite3), as whole processes on this machine; and its two compile engines
 * (TypeScript 7's tsc, TypeScript 5.9 through gulp-typescript) against `tsc -p` of 5.9 and umzug + tsx. Every
 * scenario alternates the contenders round by round, so a noisy neighbour slows all of them alike, and reports
 * medians and ratios measured in the same run.
 *
 *   npm run bench                          # N = 100 and 1000, 5 rounds (install bench/ peers first: npm --prefix bench ci)
 *   npm run bench -- --sizes=1000 --runs=7
 *   npm run bench -- --smoke               # seconds: proves every scenario runs and reports; what CI runs
 *   npm run bench -- --sizes=1000 --only=noop,edit --watch-sizes=500
 *   npm run bench -- --sizes=1000 --only=compile,clone,edit --watch-sizes=   # the engine scenarios
 *   npm run bench -- --only=fleet --watch-sizes=                             # 1000 databases × 20 migrations (--fleet-sizes=1000)
 *
 * Modules: fixtures.ts writes the projects, contenders.ts says how each tool runs, engines.ts names the compile
 * engines, harness.ts times and prints, scenarios.ts is the table of scenarios and targets, watch.ts and probe.ts
 * measure what is not a whole process.
 */
import { cpus } from 'node:os'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { apiTool, cliTool, otherContenders, type OurTool } from './contenders'
import { engineDir, ENGINES, writeEngineGulpfile, type Engine } from './engines'
import { fleetMigrations } from './fleet'
import { projectDirs, writeOurs, writeProjects } from './fixtures'
import { measure, printMeasured, Targets, type Contender } from './harness'
import { peersInstalled, WORK_ROOT } from './paths'
import { SCENARIOS, type Figures, type Scenario, type ScenarioId, type SizeContext } from './scenarios'

export interface BenchOptions {
  /** Tiny, one round without warm-up, our tool in this process, no peers, no cold `tsc -p` compile. */
  readonly smoke: boolean
  readonly sizes: readonly number[]
  readonly watchSizes: readonly number[]
  /** Numbers of databases for the fleet scenario (20 migrations each, 3 at --smoke). */
  readonly fleetSizes: readonly number[]
  readonly runs: number
  readonly warmups: number
  /** --only=apply,noop,compile,clone,edit,helper,fleet: just these (the watch scenario runs at --watch-sizes, empty for none). */
  readonly only?: readonly ScenarioId[]
  /** Whether knex, umzug and Kysely take part. */
  readonly peers: boolean
}

const numbers = (list: string) =>
  list
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number)

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: 'string' },
      runs: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      'watch-sizes': { type: 'string' },
      'fleet-sizes': { type: 'string' },
      only: { type: 'string' },
    },
  })
  const smoke = values.smoke
  const only = values.only?.split(',') as ScenarioId[] | undefined
  const ids = [...new Set(SCENARIOS.filter((s) => !s.atWatchSizes).map((s) => s.id))]
  const unknown = only?.filter((id) => !ids.includes(id))
  if (unknown?.length)
    throw new Error(`--only takes ${ids.join(', ')} (the watch scenario runs at --watch-sizes); got ${unknown.join(', ')}`)
  const options = {
    smoke,
    sizes: numbers(values.sizes ?? (smoke ? '5' : '100,1000')),
    watchSizes: numbers(values['watch-sizes'] ?? (smoke ? '5' : '10,500')),
    fleetSizes: numbers(values['fleet-sizes'] ?? (smoke ? '10' : '1000')),
    runs: Number(values.runs ?? (smoke ? 1 : 5)),
    warmups: smoke ? 0 : 1,
    only,
    peers: !smoke && peersInstalled(),
  }
  for (const n of [...options.sizes, ...options.watchSizes, ...options.fleetSizes, options.runs]) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`sizes and --runs are whole numbers from 1: got ${n}`)
  }
  return options
}

/** Our tool, with the default compiler and with each engine. */
interface OurTools {
  readonly ours: OurTool
  readonly engines: ReadonlyArray<{ readonly engine: Engine; readonly tool: OurTool }>
}

function sizeContext(n: number, root: string, tools: OurTools, options: BenchOptions): SizeContext {
  const dirs = projectDirs(root)
  const keep = (contenders: readonly Contender[]) =>
    contenders.filter((c) => (c.needs === 'peers' ? options.peers : c.needs === 'full-run' ? !options.smoke : true))
  const engines = tools.engines.map(({ engine, tool }) => ({ engine, tool, dir: engineDir(root, engine) }))
  const { smoke, peers, runs } = options
  return { n, smoke, peers, dirs, ours: tools.ours, engines, others: otherContenders(dirs, root, n), runs, keep }
}

async function runScenario(scenario: Scenario, ctx: SizeContext, options: BenchOptions, targets: Targets): Promise<void> {
  const title = scenario.title(ctx.n)
  let figures: Figures
  if (scenario.kind === 'rounds') {
    const measured = await measure(ctx.keep(await scenario.contenders(ctx)), options)
    printMeasured(title, measured, scenario.baseline)
    figures = new Map(measured.map((m) => [m.key, m.median]))
  } else if (options.smoke && scenario.skippedAtSmoke) {
    console.log(`\n${title}\n  skipped at --smoke: ${scenario.skippedAtSmoke}`)
    return
  } else {
    figures = await scenario.probe(ctx, title)
  }
  if (ctx.n < scenario.targetsFrom && !options.smoke) return
  for (const target of scenario.targets) {
    const value = target.value(figures)
    if (value !== undefined) targets.check(target.label(ctx.n), value, target.limit, target.unit)
  }
}

async function runAll(options: BenchOptions, work: string): Promise<void> {
  mkdirSync(work, { recursive: true })
  const tools: OurTools = {
    ours: options.smoke ? apiTool() : cliTool(),
    engines: ENGINES.map((engine) => ({
      engine,
      tool: options.smoke ? apiTool(engine) : cliTool(engine, writeEngineGulpfile(work, engine)),
    })),
  }
  const targets = new Targets()
  const wanted = (s: Scenario) => !options.only || options.only.includes(s.id)
  const atSizes = (s: Scenario) => !s.atWatchSizes && !s.atFleetSizes
  for (const n of SCENARIOS.some((s) => atSizes(s) && wanted(s)) ? options.sizes : []) {
    const ctx = sizeContext(n, join(work, String(n)), tools, options)
    writeProjects(ctx.dirs, n, options.peers)
    for (const { dir } of ctx.engines) if (dir !== ctx.dirs.ours) writeOurs(dir, n)
    console.log(`\n=== N = ${n} migrations (${options.runs} rounds, medians [min - max]) ===`)
    for (const scenario of SCENARIOS.filter((s) => atSizes(s) && wanted(s))) await runScenario(scenario, ctx, options, targets)
  }
  for (const n of options.fleetSizes) {
    const scenarios = SCENARIOS.filter((s) => s.atFleetSizes && wanted(s))
    if (scenarios.length === 0) continue
    const ctx = sizeContext(n, join(work, `fleet-${n}`), tools, options)
    console.log(
      `\n=== fleet of ${n} databases × ${fleetMigrations(options.smoke)} migrations (${options.runs} rounds, medians [min - max]) ===`,
    )
    for (const scenario of scenarios) await runScenario(scenario, ctx, options, targets)
  }
  for (const n of options.watchSizes) {
    const ctx = sizeContext(n, join(work, `watch-${n}`), tools, options)
    for (const scenario of SCENARIOS.filter((s) => s.atWatchSizes)) await runScenario(scenario, ctx, options, targets)
  }
  targets.print()
}

export async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv)
  console.log(`gulp-sqlite-migrate benchmark, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores`)
  if (options.smoke) {
    console.log('(--smoke: one round, no warm-up; our tool through its API in this process; no bench/ peers, no cold `tsc -p` compile)')
  } else if (!options.peers) {
    console.log('(bench/ peers not installed: run `npm --prefix bench ci` to compare with knex, umzug and Kysely)')
  }
  const work = join(WORK_ROOT, String(process.pid))
  await runAll(options, work)
  rmSync(work, { recursive: true, force: true }) // kept when the bench fails, to look at
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
