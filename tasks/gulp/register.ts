/**
 * The task table: which gulp tasks exist, what each one does (shown by `gulp --tasks`), and which steps it
 * runs. Every step gets a context resolved from the flags of the task that was asked for, so a flag that
 * task does not accept is refused before its first step (before compiling, before opening the database).
 */
import { MigrateError } from '../errors'
import type { MigrationTaskOptions } from '../options'
import { createContext, type TaskContext } from './context'
import type { FlagTask } from './flags'
import type { GulpLike, TaskFunction } from './gulp-types'
import { toPluginError } from './report'
import { applyTask, upTask } from './tasks/apply'
import { compileTask, markerTask } from './tasks/build'
import { downTask, redoTask, rollbackTarget } from './tasks/down'
import { fleetApplyTask, fleetDownTask, fleetStatusTask } from './tasks/fleet'
import { newMigrationTask } from './tasks/new'
import { repairTask, unlockTask } from './tasks/repair'
import { checkTask, statusTask } from './tasks/status'
import { verifyTask } from './tasks/verify'
import { watchTask } from './tasks/watch'
import { cliWording } from './wording'

export type { GulpLike, TaskFunction, WatchOptions } from './gulp-types'

export const TASK_NAMES = [
  'migration:new',
  'migrate:make',
  'migrate',
  'migrate:up',
  'migrate:compile',
  'migrate:marker',
  'migrate:build',
  'migrate:apply',
  'migrate:status',
  'migrate:check',
  'migrate:down',
  'migrate:redo',
  'migrate:verify',
  'migrate:repair',
  'migrate:unlock',
  'migrate:watch',
] as const satisfies readonly FlagTask[]

export type MigrationTaskName = (typeof TASK_NAMES)[number]
export type MigrationTasks = Record<MigrationTaskName, TaskFunction>

type Step = readonly [name: MigrationTaskName, body: (ctx: TaskContext) => Promise<void> | void]

const DESCRIPTIONS: Record<MigrationTaskName, string> = {
  'migration:new': 'Create migrations/<UTC timestamp>_<name>.ts from the template (--name=NAME; --sql for a .sql migration)',
  'migrate:make': 'The same as migration:new (the knex and Kysely name)',
  'migrate:up': 'Compile, then apply exactly one pending migration (--name=NAME)',
  migrate: 'Compile the migrations and apply the pending ones (--to, --dry-run, --backup, --json, ...)',
  'migrate:compile': 'Compile the TypeScript migrations to CommonJS in the output folder',
  'migrate:marker': 'Write the {"type":"commonjs"} marker into the output folder',
  'migrate:build': 'Compile the migrations and write the marker, without applying',
  'migrate:apply': 'Apply the pending compiled migrations, without compiling',
  'migrate:status': 'Show where each migration stands (--json)',
  'migrate:check': 'Exit non-zero, with a code per kind of problem, when anything is pending or drifted (CI gate)',
  'migrate:down': 'Roll back the newest migration (--step=N, --to=NAME, --all, --last-run, --name=NAME)',
  'migrate:redo': 'Roll back the newest migration and apply it again, as one unit (--step=N)',
  'migrate:verify': 'Prove on a copy that every pending migration has a down that undoes its up',
  'migrate:repair': 'Accept the current source of applied migrations that changed (--name=NAME)',
  'migrate:unlock': 'Release the lease of a non-transactional migration whose runner is gone (--force)',
  'migrate:watch': 'Migrate, then compile and apply, redo or roll back on every save',
}

function printJsonError(error: unknown, message: string): void {
  const problem = error instanceof MigrateError ? error.problem : undefined
  const code = error instanceof MigrateError ? error.code : 'INTERNAL_ERROR'
  process.stdout.write(JSON.stringify({ error: { code, message, problem } }, null, 2) + '\n')
}

/**
 * Creates the migration tasks without registering them. `argv` defaults to the process's arguments.
 *
 * @example
 * ```ts
 * import gulp from 'gulp'
 * import { migrationTasks } from 'gulp-sqlite-migrate'
 * const tasks = migrationTasks(gulp, { migrationsDir: 'db/migrations', database: 'var/app.sqlite3' })
 * gulp.task('db:migrate', tasks.migrate)
 * ```
 */
export function migrationTasks(
  gulp: Pick<GulpLike, 'series' | 'watch'>,
  options: MigrationTaskOptions = {},
  argv?: readonly string[],
): MigrationTasks {
  const prefix = options.taskPrefix ?? ''
  const wording = cliWording(prefix)
  /** One step of the task `entry`: a named gulp task that runs `body` with `entry`'s context. */
  const step = (entry: MigrationTaskName, [name, body]: Step): TaskFunction => {
    const fn: TaskFunction = async () => {
      try {
        await body(createContext(entry, options, argv ?? process.argv.slice(2)))
      } catch (error) {
        const pluginError = toPluginError(error, wording)
        // --json: scripts read stdout (with gulp's --silent, gulp-cli prints nothing else), so the failure is JSON too.
        const reported = error instanceof MigrateError && ['check-failed', 'fleet-failed'].includes(error.problem.kind) // its report is the JSON
        if ((argv ?? process.argv).includes('--json') && !reported) printJsonError(error, pluginError.message)
        throw pluginError
      }
    }
    fn.displayName = `${prefix}${name}`
    return fn
  }
  const compile: Step = ['migrate:compile', (ctx) => compileTask(ctx, options)]
  const marker: Step = ['migrate:marker', markerTask]
  // With --databases (or the gulpfile's `databases`), the same steps run on every database of the fleet.
  const apply = (ctx: TaskContext) => (ctx.fleet ? fleetApplyTask(ctx, options) : applyTask(ctx))
  const STEPS: Record<MigrationTaskName, readonly Step[]> = {
    'migration:new': [['migration:new', (ctx) => newMigrationTask(ctx, options)]],
    'migrate:make': [['migrate:make', (ctx) => newMigrationTask(ctx, options)]],
    'migrate:up': [compile, marker, ['migrate:up', upTask]],
    migrate: [compile, marker, ['migrate:apply', apply]],
    'migrate:compile': [compile],
    'migrate:marker': [marker],
    'migrate:build': [compile, marker],
    'migrate:apply': [['migrate:apply', apply]],
    'migrate:status': [['migrate:status', (ctx) => (ctx.fleet ? fleetStatusTask(ctx, options, false) : statusTask(ctx))]],
    'migrate:check': [['migrate:check', (ctx) => (ctx.fleet ? fleetStatusTask(ctx, options, true) : checkTask(ctx))]],
    'migrate:down': [
      compile,
      marker,
      ['migrate:down', (ctx) => (ctx.fleet ? fleetDownTask(ctx, options, rollbackTarget(ctx.flags)) : downTask(ctx))],
    ],
    'migrate:redo': [compile, marker, ['migrate:redo', redoTask]],
    'migrate:verify': [compile, marker, ['migrate:verify', verifyTask]],
    'migrate:repair': [compile, marker, ['migrate:repair', repairTask]],
    'migrate:unlock': [['migrate:unlock', unlockTask]],
    'migrate:watch': [['migrate:watch', (ctx) => watchTask(ctx, options, gulp)]],
  }
  const tasks = {} as Record<MigrationTaskName, TaskFunction>
  for (const name of TASK_NAMES) {
    // A series' last step gets its own name, so a failure is not reported twice under one name.
    const steps = STEPS[name].map(([stepName, body], _, all) =>
      step(name, [all.length > 1 && stepName === name ? (`${name} (run)` as MigrationTaskName) : stepName, body]),
    )
    const task = steps.length === 1 ? steps[0] : (gulp.series(...steps) as TaskFunction)
    task.description = DESCRIPTIONS[name]
    tasks[name] = task
  }
  return tasks
}

/**
 * Registers the migration tasks on `gulp` and returns them.
 *
 * @example
 * ```ts
 * // gulpfile.ts
 * import gulp from 'gulp'
 * import { registerMigrationTasks } from 'gulp-sqlite-migrate'
 *
 * registerMigrationTasks(gulp, { migrationsDir: 'migrations', database: 'data/app.sqlite3', table: 'migrations' })
 * // npx gulp migration:new --name=add_user_table
 * // npx gulp migrate
 * ```
 */
export function registerMigrationTasks(gulp: GulpLike, options: MigrationTaskOptions = {}): MigrationTasks {
  const tasks = migrationTasks(gulp, options)
  const prefix = options.taskPrefix ?? ''
  for (const name of TASK_NAMES) gulp.task(`${prefix}${name}`, tasks[name])
  return tasks
}
