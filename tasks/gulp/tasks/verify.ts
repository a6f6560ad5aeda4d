/** `gulp migrate:verify`: proves on copies that every pending migration's down undoes its up, and reports every one that does not. */
import { MigrateError } from '../../errors'
import { listCompiledMigrations } from '../../io/migration-files'
import { verifyDownPaths } from '../../rehearse'
import type { TaskContext } from '../context'
import { renderVerify } from '../render'
import { info, plural } from '../report'

export async function verifyTask(ctx: TaskContext): Promise<void> {
  const report = await verifyDownPaths(ctx.databasePath, listCompiledMigrations(ctx.paths), {
    ...ctx.run,
    ...ctx.drift,
    onEvent: undefined,
  })
  for (const line of renderVerify(report)) info(line)
  const failed = report.results.filter((r) => !r.ok)
  const verified = report.results.length - failed.length
  if (failed.length > 0) {
    info(`Verified the down path of ${plural(verified, 'migration')}, ${failed.length} failed, on copies; the database was not changed`)
    const withoutDown = failed.filter((r) => r.withoutDown).map((r) => r.id)
    throw new MigrateError({
      kind: 'verify-failed',
      ids: failed.map((r) => r.id),
      withoutDown: withoutDown.length > 0 ? withoutDown : undefined,
    })
  }
  if (report.results.length > 0) info(`Verified the down path of ${plural(verified, 'migration')} on a copy; the database was not changed`)
}
