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

export async function downTask(ctx: TaskContext): Promise<void> {
  await ctx.withDatabase(async (db) => {
    const options = { ...ctx.run, ...rollbackTarget(ctx.flags), beforeChanges: ctx.backupHook(db, 'rolling back') }
    const result = await rollbackMigrations(db, listCompiledMigrations(ctx.paths), options)
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, ...result })
    else info(renderSummary(result, 'Rolled back', ctx.databaseLabel))
    ctx.dumpSchema(db, true)
  })
}

export async function redoTask(ctx: TaskContext): Promise<void> {
  await ctx.withDatabase(async (db) => {
    const options = { ...ctx.run, ...rollbackTarget(ctx.flags), beforeChanges: ctx.backupHook(db, 'redoing') }
    const result = await redoMigrations(db, listCompiledMigrations(ctx.paths), options)
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, ...result })
    else info(renderSummary(result, 'Redid', ctx.databaseLabel))
    ctx.dumpSchema(db, true)
  })
}
