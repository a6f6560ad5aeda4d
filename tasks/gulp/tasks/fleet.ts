/**
 * `gulp migrate --databases=GLOB|@list.txt` and the same selection for `migrate:down`, `migrate:status`,
 * `migrate:check` and `--dry-run`: the migrations compiled once, then run on every database (see `tasks/fleet/`).
 */
import { CHECK_EXIT_CODES } from '../../core/check'
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

function finish(ctx: TaskContext, run: FleetRun, verb: 'migrated' | 'rolled back' | 'rehearsed'): void {
  const { summary } = run
  if (ctx.flags.json) ctx.printJson({ databases: run.databases, summary })
  else {
    const hidden = summary.failed - FAILURES_SHOWN
    if (hidden > 0) error(`... and ${hidden} more failed databases (all of them are in --json)`)
    info(renderFleetSummary(summary, verb))
  }
  if (summary.failed > 0) {
    const canary = (ctx.flags.canary ?? 0) > 0 && run.databases.slice(0, ctx.flags.canary).some((d) => d.outcome === 'failed')
    throw new MigrateError({ kind: 'fleet-failed', failed: summary.failed, notStarted: summary.notStarted, total: summary.total, canary })
  }
}

export async function fleetApplyTask(ctx: TaskContext, options: MigrationTaskOptions): Promise<void> {
  const { flags } = ctx
  const target = { to: flags.to, allowOutOfOrder: flags.allowOutOfOrder, allowMissing: flags.allowMissing }
  if (flags.baseline !== undefined) throw new MigrateError({ kind: 'conflicting-options', options: ['baseline', 'databases'] }) // a baseline is for one known database
  const job: FleetJob = flags.dryRun ? { kind: 'dry-run', ...target } : { kind: 'apply', ...target, backup: flags.backup ?? options.backup }
  finish(ctx, await run(ctx, options, job), flags.dryRun ? 'rehearsed' : 'migrated')
}

export async function fleetDownTask(ctx: TaskContext, options: MigrationTaskOptions, target: RollbackTarget): Promise<void> {
  if (ctx.flags.dryRun) throw new MigrateError({ kind: 'conflicting-options', options: ['dryRun', 'databases'] })
  finish(ctx, await run(ctx, options, { kind: 'rollback', target, backup: ctx.flags.backup ?? options.backup }), 'rolled back')
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
  const problems = [
    ...(versions.drifted.length > 0 ? [`${versions.drifted.length} drifted`] : []),
    ...(versions.unreadable.length > 0 ? [`${versions.unreadable.length} unreadable`] : []),
    ...(versions.behind > 0 ? [`${versions.behind} behind`] : []),
  ]
  if (problems.length === 0) return
  const exitCode =
    versions.drifted.length > 0
      ? CHECK_EXIT_CODES.changed
      : versions.unreadable.length > 0
        ? CHECK_EXIT_CODES.unreadable
        : CHECK_EXIT_CODES.pending
  process.once('exit', () => {
    process.exitCode = exitCode
  })
  throw new MigrateError({ kind: 'check-failed', exitCode, problems: [`of ${versions.total} databases, ${problems.join(', ')}`] })
}
