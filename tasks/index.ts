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
export {
  DEFAULT_OPTIONS,
  resolveRunOptions,
  type MigrationTaskOptions,
  type RunOptions,
  type ApplyOptions,
  type RollbackOptions,
  type ResolvedRunOptions,
  type DriverName,
} from './options'
export {
  applyMigrations,
  rollbackMigrations,
  redoMigrations,
  repairChecksums,
  releaseLease,
  writeSchemaSnapshot,
  checkedPlan,
  type RollbackRunOptions,
  type ApplyRunOptions,
} from './api'
export { MigrationRunError, type Direction, type MigrationResult, type MigrationOutcome, type RunEvent, type RunResult } from './run-log'
export type { TransactionMode } from './core/units'
export type { DriftPolicy } from './core/drift'
export type { RollbackTarget } from './core/selection'
export type { Lease } from './io/lease'
export {
  compileMigrations,
  writeCommonJsMarker,
  formatDiagnostic,
  type CompileOptions,
  type CompileResult,
  type CompilerChoice,
  type CompilerName,
} from './io/compile'
export { openDatabase } from './io/database'
export { listCompiledMigrations, type CompiledMigration } from './io/migration-files'
export { createMigration } from './io/new-migration'
export { MigrateError, describeThrown, type MigrateErrorCode, type Problem, type ProblemKind } from './errors'
export type { ProblemOf, OptionName, CommandName, FailureOutcome } from './problems'
export { describeProblem, API_WORDING, type Wording } from './problem-messages'
export { planMigrations, type Plan, type PlanEntry, type MigrationState } from './core/plan'
export { CHECK_EXIT_CODES, type CheckProblem, type CheckProblemKind } from './core/check'
export { migrationStatus, checkStatus, type StatusEntry, type StatusReport, type StatusOptions } from './status'
export { dryRun, verifyDownPaths, type DryRunReport, type DryRunMigration, type VerifyReport, type VerifyResult } from './rehearse'
export { backupDatabase, backupPath } from './io/backup'
export { createMigratedDatabase, type MigratedDatabaseOptions } from './testing'
export { compile, commonjsMarker, apply, type CompilePluginOptions, type ApplyPluginOptions, type CompiledMigrationFile } from './plugins'
export {
  migrateFleet,
  fleetStatus,
  runFleet,
  type FleetOptions,
  type FleetRun,
  type FleetProgress,
  type FleetDatabaseResult,
  type FleetJob,
  type FleetConnection,
} from './fleet/run'
export { selectDatabases } from './fleet/databases'
export type { FleetSummary, FleetVersions, FleetOutcome, DatabaseVersion, VersionGroup } from './core/fleet'
