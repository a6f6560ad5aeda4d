/**
 * gulp-sqlite-migrate: gulp tasks for TypeScript schema migrations on SQLite (better-sqlite3).
 *
 * @example
 * ```ts
 * // gulpfile.ts
 * import gulp from 'gulp'
 * import { registerMigrationTasks } from 'gulp-sqlite-migrate'
 *
 * registerMigrationTasks(gulp, { migrationsDir: 'migrations', database: 'data/app.sqlite3' })
 * ```
 */
export type { Database, Migration, MigrationFn } from './types'
export {
  registerMigrationTasks,
  migrationTasks,
  TASK_NAMES,
  type GulpLike,
  type TaskFunction,
  type WatchOptions,
  type MigrationTaskName,
  type MigrationTasks,
} from './gulp/register'
export { DEFAULT_OPTIONS, type MigrationTaskOptions } from './options'
export {
  applyMigrations,
  rollbackMigrations,
  checkedPlan,
  MigrationRunError,
  type ApplyOptions,
  type RollbackOptions,
  type Direction,
  type MigrationResult,
  type MigrationStatus,
  type RunEvent,
  type RunOptions,
  type RunResult,
  type TransactionMode,
} from './runner'
export { compileMigrations, writeCommonJsMarker, formatDiagnostic, type CompileOptions, type CompileResult } from './io/compile'
export { openDatabase } from './io/database'
export { listCompiledMigrations, type CompiledMigration } from './io/migration-files'
export { createMigration } from './io/new-migration'
export { MigrateError, type MigrateErrorCode } from './errors'
export { planMigrations, type Plan, type PlanEntry, type MigrationState } from './core/plan'
export { CHECK_EXIT_CODES, type CheckProblem, type CheckProblemKind } from './core/check'
export { migrationStatus, checkStatus, type StatusEntry, type StatusReport, type StatusOptions } from './status'
export { dryRun, verifyDownPaths, type DryRunReport, type DryRunMigration, type VerifyReport, type VerifyResult } from './rehearse'
export { backupDatabase, backupPath } from './io/backup'
export { createMigratedDatabase, type MigratedDatabaseOptions } from './testing'
export { compile, commonjsMarker, apply, type CompilePluginOptions, type ApplyPluginOptions, type CompiledMigrationFile } from './plugins'
