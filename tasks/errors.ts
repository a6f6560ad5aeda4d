/**
 * Errors as data. Everything a user can fix is a `MigrateError` carrying a typed `problem` (a discriminated
 * union): programs branch on `error.problem.kind` and read its fields; people read `error.message`, which is
 * worded once, in `problem-messages.ts`, in the vocabulary of the caller (option names for the API, flags
 * for the command line: the gulp layer rewords with its own vocabulary).
 */
import { describeProblem } from './problem-messages'
import type { Problem, ProblemKind } from './problems'

export type { Problem, ProblemKind } from './problems'

export type MigrateErrorCode =
  | 'INVALID_NAME'
  | 'INVALID_OPTION'
  | 'UNKNOWN_MIGRATION'
  | 'NO_FREE_TIMESTAMP'
  | 'COMPILE_FAILED'
  | 'DATABASE_OPEN_FAILED'
  | 'DATABASE_LOCKED'
  | 'DATABASE_READONLY'
  | 'NOT_A_DATABASE'
  | 'MIGRATIONS_DIR'
  | 'DUPLICATE_MIGRATION'
  | 'STALE_OUTPUT'
  | 'INVALID_MODULE'
  | 'DRIFT'
  | 'NOT_BASELINED'
  | 'MIGRATION_FAILED'
  | 'LEASE_HELD'
  | 'CHECK_FAILED'
  | 'SCHEMA_FILE'

/** The stable code of each kind of problem, for `catch` blocks and exit handling. */
const CODES: Record<ProblemKind, MigrateErrorCode> = {
  'invalid-migration-name': 'INVALID_NAME',
  'no-free-timestamp': 'NO_FREE_TIMESTAMP',
  'prefix-beyond-timestamps': 'NO_FREE_TIMESTAMP',
  'invalid-option': 'INVALID_OPTION',
  'conflicting-options': 'INVALID_OPTION',
  'unknown-flag': 'INVALID_OPTION',
  'npm-config-flag': 'INVALID_OPTION',
  'unknown-migration': 'UNKNOWN_MIGRATION',
  'not-applied': 'UNKNOWN_MIGRATION',
  'not-newest': 'UNKNOWN_MIGRATION',
  'no-run-recorded': 'UNKNOWN_MIGRATION',
  'not-pending': 'UNKNOWN_MIGRATION',
  'would-skip': 'DRIFT',
  'step-too-large': 'UNKNOWN_MIGRATION',
  'nothing-to-repair': 'UNKNOWN_MIGRATION',
  drift: 'DRIFT',
  'baseline-refused': 'NOT_BASELINED',
  'no-history': 'NOT_BASELINED',
  'lease-held': 'LEASE_HELD',
  'lease-live': 'LEASE_HELD',
  'database-directory': 'DATABASE_OPEN_FAILED',
  'database-folder': 'DATABASE_OPEN_FAILED',
  'database-open-failed': 'DATABASE_OPEN_FAILED',
  'database-locked': 'DATABASE_LOCKED',
  'database-readonly': 'DATABASE_READONLY',
  'not-a-database': 'NOT_A_DATABASE',
  'database-corrupt': 'NOT_A_DATABASE',
  'migrations-folder': 'MIGRATIONS_DIR',
  'no-migrations': 'MIGRATIONS_DIR',
  'duplicate-migration': 'DUPLICATE_MIGRATION',
  'stale-output': 'STALE_OUTPUT',
  'compile-failed': 'COMPILE_FAILED',
  'tsconfig-invalid': 'COMPILE_FAILED',
  'output-unwritable': 'COMPILE_FAILED',
  'module-load-failed': 'INVALID_MODULE',
  'invalid-module': 'INVALID_MODULE',
  'cannot-roll-back': 'INVALID_MODULE',
  'atomic-needs-transaction': 'INVALID_MODULE',
  'cannot-redo': 'INVALID_MODULE',
  'watch-needs-gulp': 'INVALID_MODULE',
  'migration-failed': 'MIGRATION_FAILED',
  'verify-failed': 'MIGRATION_FAILED',
  'schema-file-foreign': 'SCHEMA_FILE',
  'no-databases': 'INVALID_OPTION',
  'fleet-failed': 'MIGRATION_FAILED',
  'deferred-foreign-keys': 'MIGRATION_FAILED',
  'ledger-table-mismatch': 'DRIFT',
  'no-space': 'DATABASE_OPEN_FAILED',
  'rehearsal-failed': 'MIGRATION_FAILED',
  'backup-failed': 'DATABASE_OPEN_FAILED',
  'check-failed': 'CHECK_FAILED',
}

export class MigrateError extends Error {
  override readonly name = 'MigrateError'
  readonly code: MigrateErrorCode

  constructor(
    readonly problem: Problem,
    options?: { cause?: unknown },
  ) {
    super(describeProblem(problem), options)
    this.code = CODES[problem.kind]
  }
}

/** The message of anything thrown, including non-Error values (`throw 'oops'`, `Promise.reject(42)`). */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message || value.name
  if (typeof value === 'string') return value
  if (typeof value === 'symbol') return `non-Error value thrown: ${value.toString()}`
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return `non-Error value thrown: ${json}`
  } catch {
    // circular, BigInt, a throwing toJSON: fall through
  }
  try {
    return `non-Error value thrown: ${String(value)}`
  } catch {
    return `non-Error value thrown: ${Object.prototype.toString.call(value)}`
  }
}
