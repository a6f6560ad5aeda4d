/** `gulp migrate:down` and `gulp migrate:redo`: roll back the newest migrations, or redo them as one unit. */
import { redoMigrations, rollbackMigrations } from '../../api'
import type { RollbackTarget } from '../../core/selection'
import { listCompiledMigrations } from '../../io/migration-files'
import type { TaskContext } from '../context'
import type { Flags } from '../flags'
import { MigrateError } from '../../errors'
import { renderDryRun, renderSummary } from '../render'
import { info } from '../report'

/** The flags as a loosely typed target: the API checks that at most one is given and words the refusal. */
export function rollbackTarget(flags: Flags): RollbackTarget {
  const name = typeof flags.name === 'string' ? flags.name : undefined
  return { step: flags.step, to: flags.to, all: flags.all || undefined, lastRun: flags.lastRun || undefined, name } as RollbackTarget
}

/** Both operations take the same target and report the same way; only the operation and its words differ. */
async function runRollback(ctx: TaskContext, redo: boolean): Promise<void> {
  const target = rollbackTarget(ctx.flags)
  const available = listCompiledMigrations(ctx.paths)
  if (ctx.flags.dryRun) {
    const { dryRunRollback } = await import('../../rehearse')
    const report = await dryRunRollback(ctx.databasePath, available, { ...ctx.run, ...target, onEvent: undefined, redo })
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, dryRun: true, ...report })
    else for (const line of renderDryRun(report)) info(line)
    if (report.error) throw new MigrateError({ kind: 'rehearsal-failed', cause: report.error, problem: report.problem })
    return
  }
  await ctx.withDatabase(async (db) => {
    const options = { ...ctx.run, ...target, beforeChanges: ctx.backupHook(db, redo ? 'redoing' : 'rolling back') }
    const result = await (redo ? redoMigrations : rollbackMigrations)(db, available, options)
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, ...result })
    else info(renderSummary(result, redo ? 'Redid' : 'Rolled back', ctx.databaseLabel))
    ctx.dumpSchema(db, true)
  })
}

export const downTask = (ctx: TaskContext) => runRollback(ctx, false)

export const redoTask = (ctx: TaskContext) => runRollback(ctx, true)
