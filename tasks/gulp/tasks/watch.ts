/** `gulp migrate:watch`: migrate once, then compile and apply, redo or roll back on every save. */
import { join, sep } from 'node:path'
import { MigrateError } from '../../errors'
import { DEFAULT_OPTIONS, type MigrationTaskOptions } from '../../options'
import type { TaskContext } from '../context'
import type { GulpLike, TaskFunction } from '../gulp-types'
import { error, info, warn } from '../report'

export async function watchTask(ctx: TaskContext, options: MigrationTaskOptions, gulp: Pick<GulpLike, 'watch'>): Promise<void> {
  if (!gulp.watch) throw new MigrateError({ kind: 'watch-needs-gulp' })
  const { WatchSession } = await import('../../watch')
  const { sourceDir, distDir, tsconfig } = ctx.paths
  const session = new WatchSession({
    ...ctx.run,
    allowOutOfOrder: ctx.flags.allowOutOfOrder,
    onEvent: undefined,
    sourceDir,
    distDir,
    tsconfig,
    compiler: options.compiler,
    typescript: options.typescript,
    databasePath: ctx.databasePath,
    driver: options.driver,
    log: { info, warn, error },
    afterChanges: (db) => ctx.dumpSchema(db, true),
  })
  await session.cycle() // migrate once, then on every change
  const run: TaskFunction = async () => {
    await session.cycle()
  }
  run.displayName = `${options.taskPrefix ?? ''}migrate:watch (change)`
  const slashed = (path: string) => path.split(sep).join('/')
  // Migrations and the helpers they import, in subfolders too; never the compiled output inside the folder.
  const glob = [slashed(join(sourceDir, '**', '*.{ts,sql}')), `!${slashed(join(distDir, '**'))}`]
  const delay = options.watchDelayMs ?? DEFAULT_OPTIONS.watchDelayMs
  const watcher = gulp.watch(glob, { delay, queue: true, events: ['add', 'change', 'unlink'] }, run)
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve())) // changes before 'ready' would be missed
  info(`Watching ${ctx.label(sourceDir)} (.ts and .sql) for changes (Ctrl-C to stop)`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  await watcher.close()
}
