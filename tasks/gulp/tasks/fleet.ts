/**
 * `gulp migrate --databases=GLOB|@list.txt` and the same selection for `migrate:down`, `migrate:status`,
 * `migrate:check` and `--dry-run`: the migrations compiled once, then run on every database (see `tasks/fleet/`).
 */
import { CHECK_EXIT_CODES, type CheckProblem, type CheckProblemKind } from '../../core/check'
import type { FleetVersions } from '../../core/fleet'
import { checkStatus, migrationStatus } from '../../status'
import type { RollbackTarget } from '../../core/selection'
import { MigrateError } from '../../errors'
import { selectDatabases } from '../../fleet/databases'
import { fleetStatus, runFleet, type FleetDatabaseResult, type FleetJob, type FleetProgress, type FleetRun } from '../../fleet/run'
import { listCompiledMigrations } from '../../io/migration-files'
import type { MigrationTaskOptions } from '../../options'
import type { TaskContext } from '../context'
import { FAILURES_SHOWN, renderFailure, renderFleetSummary, renderProgress, renderVersions } from '../render-fleet'
import { error, info } from '../report'

/** Progress at most this often (and each failure as it happens), so 10,000 databases are not 10,000 lines. */
const PROGRESS_EVERY_MS = 2000

function reporter(ctx: TaskContext) {
  let shownFailures = 0
  let lastProgress = 0
  return (result: FleetDatabaseResult, progress: FleetProgress) => {
    if (ctx.flags.json) return
    if (result.outcome === 'failed' && shownFailures++ < FAILURES_SHOWN) error(renderFailure(result, ctx.label))
    if (ctx.flags.quiet || progress.elapsedMs - lastProgress < PROGRESS_EVERY_MS) return
    lastProgress = progress.elapsedMs
    info(renderProgress(progress))
  }
}

async function run(ctx: TaskContext, options: MigrationTaskOptions, job: FleetJob): Promise<FleetRun> {
  const selection = ctx.fleet as string
  const available = listCompiledMigrations(ctx.paths)
  const run = await runFleet(await selectDatabases(selection), available, job, {
    table: ctx.table,
    busyTimeoutMs: ctx.run.busyTimeoutMs,
    transactionMode: ctx.run.transactionMode,
    driver: options.driver,
    concurrency: ctx.flags.concurrency ?? options.concurrency,
    canary: ctx.flags.canary,
    continueOnError: ctx.flags.continueOnError,
    onResult: reporter(ctx),
  })
  if (run.summary.total === 0) throw new MigrateError({ kind: 'no-databases', selection })
  return run
}

function finish(ctx: TaskContext, run: FleetRun): void {
  const { summary } = run
  if (ctx.flags.json) ctx.printJson({ ...(summary.operation === 'dry-run' ? { dryRun: true } : {}), databases: run.databases, summary })
  else {
    const hidden = summary.failed - FAILURES_SHOWN
    if (hidden > 0) error(`... and ${hidden} more failed databases (all of them are in --json)`)
    info(renderFleetSummary(summary))
  }
  if (summary.failed > 0) {
    const canary = (ctx.flags.canary ?? 0) > 0 && run.databases.slice(0, ctx.flags.canary).some((d) => d.outcome === 'failed')
    const { failed, notStarted, total, operation } = summary
    throw new MigrateError({ kind: 'fleet-failed', failed, notStarted, total, canary, operation })
  }
}

export async function fleetApplyTask(ctx: TaskContext, options: MigrationTaskOptions): Promise<void> {
  const { flags } = ctx
  const target = { to: flags.to, allowOutOfOrder: flags.allowOutOfOrder, allowMissing: flags.allowMissing }
  if (flags.baseline !== undefined) throw new MigrateError({ kind: 'conflicting-options', options: ['baseline', 'databases'] }) // a baseline is for one known database
  const job: FleetJob = flags.dryRun ? { kind: 'dry-run', ...target } : { kind: 'apply', ...target, backup: flags.backup ?? options.backup }
  finish(ctx, await run(ctx, options, job))
}

export async function fleetDownTask(ctx: TaskContext, options: MigrationTaskOptions, target: RollbackTarget): Promise<void> {
  if (ctx.flags.dryRun) throw new MigrateError({ kind: 'conflicting-options', options: ['dryRun', 'databases'] })
  finish(ctx, await run(ctx, options, { kind: 'rollback', target, backup: ctx.flags.backup ?? options.backup }))
}

/** `migrate:status` and `migrate:check` of a fleet: how many databases at each version; check fails for any behind, drifted or unreadable. */
export async function fleetStatusTask(ctx: TaskContext, options: MigrationTaskOptions, check: boolean): Promise<void> {
  const selection = ctx.fleet as string
  const versions = await fleetStatus(await selectDatabases(selection), listCompiledMigrations(ctx.paths), {
    table: ctx.table,
    busyTimeoutMs: ctx.run.busyTimeoutMs,
    driver: options.driver,
    concurrency: ctx.flags.concurrency ?? options.concurrency,
  })
  if (versions.total === 0) throw new MigrateError({ kind: 'no-databases', selection })
  if (ctx.flags.json) ctx.printJson(versions)
  else for (const line of renderVersions(versions, ctx.label)) info(line)
  if (!check) return
  const problems = fleetCheckProblems(versions, ctx)
  if (problems.length === 0) return
  const order = Object.keys(CHECK_EXIT_CODES) as CheckProblemKind[]
  const exitCode = CHECK_EXIT_CODES[order.find((kind) => problems.some((p) => p.kind === kind)) as CheckProblemKind]
  process.once('exit', () => {
    process.exitCode = exitCode
  })
  throw new MigrateError({ kind: 'check-failed', exitCode, problems: problems.map((p) => p.message) })
}

/** What fails a fleet's check: each kind of database problem, and the folder's own (stale output, stray files). */
function fleetCheckProblems(versions: FleetVersions, ctx: TaskContext): CheckProblem[] {
  const all = [...versions.drifted, ...versions.unreadable]
  const count = (n: number, what: string) => `${n} of ${versions.total} ${versions.total === 1 ? 'database' : 'databases'} ${what}`
  const some = (pick: (v: (typeof all)[number]) => boolean) => versions.drifted.filter(pick).length
  const helpers = some((v) => (v.changedHelpers?.length ?? 0) > 0)
  const outOfOrder = some((v) => (v.outOfOrder?.length ?? 0) > 0)
  const changed = some((v) => v.drifted.length > (v.outOfOrder?.length ?? 0) + (v.changedHelpers?.length ?? 0))
  // The folder is the same for every database: its stale output and stray files are checked once, without one.
  const folder = checkStatus(migrationStatus(undefined, { ...ctx.paths, table: ctx.table })).problems.filter(
    (p) => p.kind === 'stale' || p.kind === 'stray',
  )
  return [
    ...(changed > 0 ? [{ kind: 'changed' as const, message: count(changed, 'have an applied migration changed or missing') }] : []),
    ...(helpers > 0 ? [{ kind: 'helper-changed' as const, message: count(helpers, 'applied a helper edited since') }] : []),
    ...(outOfOrder > 0
      ? [{ kind: 'out-of-order' as const, message: count(outOfOrder, 'have a pending migration older than their newest') }]
      : []),
    ...folder,
    ...(versions.unreadable.length > 0
      ? [{ kind: 'unreadable' as const, message: count(versions.unreadable.length, 'cannot be read') }]
      : []),
    ...(versions.behind > 0 ? [{ kind: 'pending' as const, message: count(versions.behind, 'are behind') }] : []),
  ]
}
