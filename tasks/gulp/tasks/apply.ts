/** `gulp migrate:apply` (the last step of `gulp migrate`): applies what is pending, or rehearses it with `--dry-run`. */
import { applyMigrations } from '../../api'
import { MigrateError } from '../../errors'
import { listCompiledMigrations } from '../../io/migration-files'
import type { TaskContext } from '../context'
import { renderDryRun, renderSummary } from '../render'
import { info } from '../report'

/** `migrate:up --name=X` applies exactly X; `migrate` and `migrate:apply` take no name. */
function onlyName(ctx: TaskContext): string | undefined {
  return typeof ctx.flags.name === 'string' ? ctx.flags.name : undefined
}

export async function applyTask(ctx: TaskContext): Promise<void> {
  const { flags } = ctx
  const available = listCompiledMigrations(ctx.paths)
  const target = { ...ctx.drift, to: flags.to, baseline: flags.baseline, only: onlyName(ctx) }
  if (flags.dryRun) {
    const { dryRun } = await import('../../rehearse')
    const report = await dryRun(ctx.databasePath, available, { ...ctx.run, ...target, onEvent: undefined })
    if (flags.json) ctx.printJson({ database: ctx.databaseLabel, dryRun: true, ...report })
    else for (const line of renderDryRun(report)) info(line)
    if (report.error) throw new MigrateError({ kind: 'rehearsal-failed', cause: report.error, problem: report.problem })
    return
  }
  await ctx.withDatabase(async (db) => {
    const result = await applyMigrations(db, available, { ...ctx.run, ...target, beforeChanges: ctx.backupHook(db, 'applying') })
    if (flags.json) ctx.printJson({ database: ctx.databaseLabel, ...result })
    else info(renderSummary(result, 'Applied', ctx.databaseLabel))
    ctx.dumpSchema(db, result.results.length > 0 || result.baselined.length > 0)
  })
}

/** `migrate:up --name=NAME`: exactly one pending migration, with the same drift and order rules. */
export async function upTask(ctx: TaskContext): Promise<void> {
  if (onlyName(ctx) === undefined)
    throw new MigrateError({
      kind: 'invalid-option',
      option: 'name',
      value: ctx.flags.name ?? null,
      expected: 'the pending migration to apply, for example --name=20261126120000_add_users',
    })
  await applyTask(ctx)
}
