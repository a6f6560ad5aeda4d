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
export { registerMigrationTasks, migrationTasks, type GulpLike, type MigrationTaskName, type MigrationTasks } from './gulp/register'
export { DEFAULT_OPTIONS, type MigrationTaskOptions } from './options'
export {
  applyMigrations,
  checkedPlan,
  MigrationRunError,
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
