/** `gulp migration:new --name=NAME [--sql]`: writes a timestamped migration from the template. */
import { createMigration } from '../../io/new-migration'
import type { MigrationTaskOptions } from '../../options'
import type { TaskContext } from '../context'
import { info } from '../report'

export function newMigrationTask(ctx: TaskContext, options: MigrationTaskOptions): void {
  const file = createMigration({ sourceDir: ctx.paths.sourceDir, name: ctx.flags.name, template: options.template, sql: ctx.flags.sql })
  info(`Created ${file}`)
}
