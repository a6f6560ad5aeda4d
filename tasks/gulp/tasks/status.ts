/** `gulp migrate:status` and `gulp migrate:check`: where each migration stands; the CI gate with an exit code per problem. */
import { MigrateError } from '../../errors'
import { checkStatus, migrationStatus } from '../../status'
import type { TaskContext } from '../context'
import { renderStatus } from '../render'
import { describeProblem } from '../../problem-messages'
import { info, warn } from '../report'
import { cliWording } from '../wording'

export async function statusTask(ctx: TaskContext): Promise<void> {
  await ctx.withExistingDatabase((db) => {
    const report = migrationStatus(db, { ...ctx.paths, table: ctx.table, schemaFile: ctx.schemaFile })
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, ...report })
    else for (const line of renderStatus(report, ctx.databaseLabel)) info(line)
  })
}

export async function checkTask(ctx: TaskContext): Promise<void> {
  await ctx.withExistingDatabase((db) => {
    const report = migrationStatus(db, { ...ctx.paths, table: ctx.table, schemaFile: ctx.schemaFile })
    const verdict = checkStatus(report)
    // Not the tool's file: not compared, and not a failure; said so that nobody takes it for checked.
    if (report.schemaFileState === 'foreign' && ctx.schemaFile && !ctx.flags.json)
      warn(describeProblem({ kind: 'schema-file-foreign', file: ctx.label(ctx.schemaFile) }, cliWording()))
    if (ctx.flags.json) ctx.printJson({ database: ctx.databaseLabel, ...verdict })
    if (verdict.problems.length === 0) {
      if (!ctx.flags.json) info(`Migrations are up to date (${ctx.databaseLabel})`)
      return
    }
    // gulp-cli always exits 1 on a failed task; the exit code says which kind of problem this is.
    process.once('exit', () => {
      process.exitCode = verdict.exitCode
    })
    throw new MigrateError({ kind: 'check-failed', exitCode: verdict.exitCode, problems: verdict.problems.map((p) => p.message) })
  })
}
