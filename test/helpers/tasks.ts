/**
 * The real gulp task functions, run in this process as gulp-cli runs them: for tests of a task's
 * command-line behaviour (flags, errors, what it writes) that do not need a process of their own. Exit codes,
 * stack-free printing, gulp-cli's own argument handling, `npx`, npm scripts and crashes stay in test/e2e.
 */
import gulp from 'gulp'
import { migrationTasks, type MigrationTaskName, type MigrationTaskOptions } from '../../tasks/index'
import type { TestProject } from './project'

// gulp-cli listens for task errors; without a listener undertaker's `emit('error')` of a failing series would throw.
if (gulp.listenerCount('error') === 0) gulp.on('error', () => undefined)

/** What a task run did: the error it failed with (a gulp `PluginError`), and everything it printed. */
export interface TaskRun {
  readonly error: (Error & { plugin?: string; showStack?: boolean }) | undefined
  readonly output: string
}

/** Environment the tasks read besides their flags; cleared while a task runs, so the caller's shell cannot redirect it. */
const AMBIENT = ['DATABASE_PATH', 'npm_lifecycle_event', 'npm_config_name', 'npm_config_sql'] as const

/**
 * The TypeScript this repository's gulpfile compiles with (TypeScript 7's tsc), so that these in-process runs and the
 * compiled fixtures (test/helpers/fixtures.ts) agree and find nothing to compile. gulp-typescript on 5.9 is tested
 * in test/io/compile-engines.test.ts, test/plugins.test.ts and the packed package's TypeScript 5.9 project.
 */
const GULPFILE_TYPESCRIPT = 'typescript-7'

/**
 * Runs task `name` of `project` with command-line `argv`, and returns its error and output. The migrations
 * and database are the project's (`--db` and DATABASE_PATH override the database as on the command line).
 */
export async function runTask(
  project: TestProject,
  name: MigrationTaskName,
  argv: readonly string[] = [],
  options: MigrationTaskOptions = {},
): Promise<TaskRun> {
  const tasks = migrationTasks(
    gulp,
    { migrationsDir: project.migrationsDir, database: project.dbPath, schemaFile: false, typescript: GULPFILE_TYPESCRIPT, ...options },
    argv,
  )
  const saved = AMBIENT.map((key) => [key, process.env[key]] as const)
  for (const key of AMBIENT) delete process.env[key]
  let output = ''
  const { write: stdout } = process.stdout
  const { write: stderr } = process.stderr
  const capture = (chunk: string | Uint8Array): boolean => {
    output += chunk.toString()
    return true
  }
  process.stdout.write = capture as typeof process.stdout.write
  process.stderr.write = capture as typeof process.stderr.write
  let timer: NodeJS.Timeout | undefined
  try {
    const error = await new Promise<TaskRun['error']>((resolve) => {
      const done = (err?: Error | null) => resolve(err ?? undefined)
      // A task that never finishes must not keep this process's output captured.
      timer = setTimeout(() => done(new Error(`${name} did not finish within 30 s`)), 30_000)
      const result = tasks[name](done)
      if (result && typeof result.then === 'function') result.then(() => done(), done)
    })
    // eslint-disable-next-line no-control-regex
    return { error, output: output.replace(/\u001b\[[0-9;]*m/g, '') }
  } finally {
    clearTimeout(timer)
    process.stdout.write = stdout
    process.stderr.write = stderr
    for (const [key, value] of saved) if (value !== undefined) process.env[key] = value
  }
}

/** Runs a task that must succeed, and returns its output. */
export async function taskOutput(...args: Parameters<typeof runTask>): Promise<string> {
  const run = await runTask(...args)
  if (run.error) throw new Error(`${args[1]} failed: ${run.error.message}\n${run.output}`)
  return run.output
}

/** Runs a task that must fail, and returns its error; a failure the user can fix comes without a stack. */
export async function taskError(...args: Parameters<typeof runTask>): Promise<NonNullable<TaskRun['error']> & { output: string }> {
  const run = await runTask(...args)
  if (!run.error) throw new Error(`${args[1]} succeeded but should have failed:\n${run.output}`)
  return Object.assign(run.error, { output: run.output })
}
