/** `gulp migrate:repair` and `gulp migrate:unlock`: accept changed sources; release a dead runner's lease. */
import { releaseLease, repairChecksums } from '../../api'
import { describeLease } from '../../io/lease'
import { listCompiledMigrations } from '../../io/migration-files'
import type { TaskContext } from '../context'
import { info } from '../report'

export async function repairTask(ctx: TaskContext): Promise<void> {
  const available = listCompiledMigrations(ctx.paths)
  const name = typeof ctx.flags.name === 'string' ? ctx.flags.name : undefined
  await ctx.withDatabase(async (db) => {
    const backup = ctx.backupHook(db, 'repairing')
    if (backup) await backup()
    const ids = await repairChecksums(db, available, { ...ctx.run, name })
    info(
      ids.length === 0
        ? 'No changed migrations to accept'
        : `Accepted the current source of ${ids.join(', ')} (checksums of the migration and its helpers re-recorded; it is not run again)`,
    )
  })
}

export async function unlockTask(ctx: TaskContext): Promise<void> {
  await ctx.withDatabase((db) => {
    const lease = releaseLease(db, { table: ctx.table, force: ctx.flags.force })
    info(
      lease
        ? `Released the lease of ${describeLease(lease)}. Check what that migration changed before running gulp migrate again.`
        : 'No lease to release',
    )
  })
}
