/** `gulp migrate:verify`: proves on a copy that every pending migration's down undoes its up. */
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
  if (failed.length > 0) throw new MigrateError({ kind: 'verify-failed', ids: failed.map((r) => r.id) })
  if (report.results.length > 0)
    info(`Verified the down path of ${plural(report.results.length, 'migration')} on a copy; the database was not changed`)
}
