/** `gulp migrate:down` and `gulp migrate:redo`: roll back the newest migrations, or redo them as one unit. */
import { redoMigrations, rollbackMigrations } from '../../api'
import type { RollbackTarget } from '../../core/selection'
import { listCompiledMigrations } from '../../io/migration-files'
import type { TaskContext } from '../context'
import type { Flags } from '../flags'
import { renderSummary } from '../render'
import { info } from '../report'

/** The flags as a loosely typed target: the API checks that at most one is given and words the refusal. */
function rollbackTarget(flags: Flags): RollbackTarget {
  return { step: flags.step, to: flags.to, all: flags.all || undefined } as RollbackTarget
}

/** Both operations take the same target and report the same way; only the operation and its words differ. */
async function runRollback(
  ctx: TaskContext,
  operation: typeof rollbackMigrations,
  before: 'rolling back' | 'redoing',
  verb: 'Rolled back' | 'Redid',
): Promise<void> {
  await ctx.withDatabase(async (db) => {
    const options = { ...ctx.run, ...rollbackTarget(ctx.flags), beforeChanges: ctx.backupHook(db, before) }
    const result = await operation(db, listCompiledMigrations(ctx.paths), options)
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, ...result })
    else info(renderSummary(result, verb, ctx.databaseLabel))
    ctx.dumpSchema(db, true)
  })
}

export const downTask = (ctx: TaskContext) => runRollback(ctx, rollbackMigrations, 'rolling back', 'Rolled back')

export const redoTask = (ctx: TaskContext) => runRollback(ctx, redoMigrations, 'redoing', 'Redid')
