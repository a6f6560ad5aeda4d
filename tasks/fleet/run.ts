/**
 * Many databases in one run: the same compiled migrations applied to every database file of a fleet (one per
 * tenant, user or device), in parallel worker threads, with the single-database guarantees for each file.
 *
 * The list is read as it goes (an array, or an async iterable such as a query over a control database), and at most
 * one database per lane is open at a time, so memory does not grow with the number of databases.
 */
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import {
  FleetScheduler,
  summarizeFleet,
  summarizeVersions,
  type DatabaseVersion,
  type FleetSummary,
  type FleetVersions,
} from '../core/fleet'
import { MigrateError } from '../errors'
import type { CompiledMigration } from '../io/migration-files'
import { inProcessLane, workerLane, type Lane } from './lanes'
import { isUpToDate, type FleetConnection, type FleetContext, type FleetDatabaseResult, type FleetJob } from './one-database'

export type { FleetConnection, FleetDatabaseResult, FleetJob } from './one-database'

export interface FleetProgress {
  readonly done: number
  readonly failed: number
  /** Databases in the list, once it is known (a glob or an array); `undefined` while an async list is still read. */
  readonly total: number | undefined
  readonly elapsedMs: number
}

export interface FleetOptions extends FleetConnection {
  /** Databases at a time, each in a worker thread. Default: the machine's cores (`os.availableParallelism()`). */
  readonly concurrency?: number
  /** Migrate this many databases first, alone; if any fails, start no other. Default 0. */
  readonly canary?: number
  /** Go on starting databases after one failed. Default `false`: the running ones finish, no new one starts. */
  readonly continueOnError?: boolean
  /** Called after each database. */
  readonly onResult?: (result: FleetDatabaseResult, progress: FleetProgress) => void
}

export interface FleetRun {
  /** One result per database, in the order of the list. */
  readonly databases: readonly FleetDatabaseResult[]
  readonly summary: FleetSummary
}

type Databases = Iterable<string> | AsyncIterable<string>

/**
 * A worker thread takes about 0.2 s to start and load the runner, a database with work 5 to 20 ms, one without
 * (already up to date, or a status read) a fraction of a millisecond in this thread. So by default: one lane per
 * core, except for reads and short lists, which the calling thread does faster alone.
 */
function defaultConcurrency(job: FleetJob, databases: Databases): number {
  if (job.kind === 'status') return 1
  if (Array.isArray(databases) && databases.length < SHORT_LIST) return 1
  return availableParallelism()
}

/** Below this many databases, threads cost more than they give. */
const SHORT_LIST = 32

function checkCount(value: number | undefined, option: 'concurrency' | 'canary', min: number): number | undefined {
  if (value === undefined || (Number.isInteger(value) && value >= min)) return value
  throw new MigrateError({ kind: 'invalid-option', option, value, expected: `a whole number of at least ${min}` })
}

/** One lane per database at a time, never more than the list holds: the calling thread alone, or worker threads. */
function makeLanes(context: FleetContext, concurrency: number, total: number | undefined): Lane[] {
  return Array.from({ length: Math.max(1, Math.min(concurrency, total ?? concurrency)) }, () =>
    concurrency === 1 ? inProcessLane(context) : workerLane(context),
  )
}

/** Runs `job` on every database of `databases` under the roll-out policy of `options`. */
export async function runFleet(
  databases: Databases,
  available: readonly CompiledMigration[],
  job: FleetJob,
  options: FleetOptions = {},
): Promise<FleetRun> {
  const canary = checkCount(options.canary, 'canary', 0) ?? 0
  const started = performance.now()
  const { table, busyTimeoutMs, transactionMode, driver } = options
  const context: FleetContext = { available, job, connection: { table, busyTimeoutMs, transactionMode, driver } }
  const total = Array.isArray(databases) ? databases.length : undefined
  const lanes = makeLanes(context, checkCount(options.concurrency, 'concurrency', 1) ?? defaultConcurrency(job, databases), total)
  const scheduler = new FleetScheduler({ canary, continueOnError: options.continueOnError ?? false })
  const results: FleetDatabaseResult[] = []
  const free = [...lanes]
  const running = new Set<Promise<void>>()
  let done = 0
  let failed = 0
  const report = (result: FleetDatabaseResult) => {
    done++
    if (result.outcome === 'failed') failed++
    options.onResult?.(result, { done, failed, total, elapsedMs: performance.now() - started })
  }
  /**
   * An up-to-date database is done here, read-only, without a worker (see `isUpToDate`). When most databases
   * turn out to have work (a fresh fleet), the probe is only a cost on a core the workers need: it stops.
   */
  let probes = { hits: 0, misses: 0 }
  const probe = (index: number, database: string) => {
    if (probes.misses >= 8 && probes.misses > 2 * probes.hits) return false
    const t0 = performance.now()
    const upToDate = isUpToDate(database, context)
    probes = upToDate ? { ...probes, hits: probes.hits + 1 } : { ...probes, misses: probes.misses + 1 }
    if (!upToDate) return false
    results[index] = { database, outcome: 'up-to-date', ids: [], durationMs: performance.now() - t0 }
    report(results[index])
    return true
  }
  // An array is walked without an await per database (gulp runs tasks in a domain, where each await costs).
  const sync = Symbol.asyncIterator in databases ? undefined : (databases as Iterable<string>)[Symbol.iterator]()
  const list = sync ? undefined : (databases as AsyncIterable<string>)[Symbol.asyncIterator]()
  const next = () => (list as AsyncIterator<string>).next()
  try {
    for (let item = sync ? sync.next() : await next(); !item.done; item = sync ? sync.next() : await next()) {
      const index = results.length
      const database = item.value
      results.push({ database, outcome: 'not-started', ids: [], durationMs: 0 })
      if (!scheduler.stopped && !scheduler.nextIsCanary() && probe(index, database)) continue
      while ((free.length === 0 || !scheduler.canStart()) && running.size > 0) await Promise.race(running)
      if (scheduler.stopped) continue // listed as not started
      const lane = free.pop() as Lane
      const canaryRun = scheduler.nextIsCanary()
      scheduler.start()
      const task = lane.run(database).then((result) => {
        results[index] = result
        scheduler.finish(result.outcome === 'not-started' ? 'failed' : result.outcome, canaryRun)
        free.push(lane)
        running.delete(task)
        report(result)
      })
      running.add(task)
    }
    await Promise.all(running)
  } finally {
    await Promise.all(lanes.map((lane) => lane.close()))
  }
  return {
    databases: results,
    summary: summarizeFleet(
      results.map((r) => r.outcome),
      performance.now() - started,
      job.kind === 'status' ? 'apply' : job.kind,
    ),
  }
}

/**
 * Applies the pending migrations to every database of `databases`: each one atomic per migration, as
 * `applyMigrations` does it; a database that fails (corrupt, locked, read-only, drifted, a failing migration) fails
 * alone with its reason. Never throws for a database: look at `summary.failed`.
 *
 * @example
 * ```ts
 * const available = listCompiledMigrations({ sourceDir: 'migrations', distDir: 'migrations/dist' })
 * const tenants = db.prepare('SELECT path FROM tenants').pluck().all() as string[]
 * const { summary, databases } = await migrateFleet(tenants, available, { concurrency: 4, canary: 5 })
 * for (const d of databases) if (d.outcome === 'failed') console.error(`${d.database}: ${d.error}`)
 * ```
 */
export function migrateFleet(
  databases: Databases,
  available: readonly CompiledMigration[],
  options: FleetOptions & { readonly to?: string; readonly allowOutOfOrder?: boolean; readonly allowMissing?: boolean } = {},
): Promise<FleetRun> {
  const { to, allowOutOfOrder, allowMissing, ...rest } = options
  return runFleet(databases, available, { kind: 'apply', to, allowOutOfOrder, allowMissing }, rest)
}

/** Where every database of the fleet stands: how many at each version, which are behind, drifted or unreadable. Reads only. */
export async function fleetStatus(
  databases: Databases,
  available: readonly CompiledMigration[],
  options: Omit<FleetOptions, 'canary' | 'continueOnError'> = {},
): Promise<FleetVersions & { readonly durationMs: number }> {
  const run = await runFleet(databases, available, { kind: 'status' }, { ...options, continueOnError: true })
  const versions = run.databases.map(
    (r): DatabaseVersion =>
      r.version ?? { database: r.database, lastApplied: null, pending: 0, drifted: [], error: r.error ?? r.outcome, problem: r.problem },
  )
  return { ...summarizeVersions(versions), durationMs: run.summary.durationMs }
}
