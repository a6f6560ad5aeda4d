/**
 * One error type for everything the user can fix. `message` says what happened and what to do next, in one
 * line, so the gulp layer can print it without a stack trace.
 */

export type MigrateErrorCode =
  | 'INVALID_NAME'
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
  | 'MIGRATION_FAILED'
  | 'LEASE_HELD'

export class MigrateError extends Error {
  override readonly name = 'MigrateError'
  constructor(
    readonly code: MigrateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The message of anything thrown, including non-Error values (`throw 'oops'`, `Promise.reject(42)`). */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message || value.name
  if (typeof value === 'string') return value
  try {
    return `non-Error value thrown: ${JSON.stringify(value)}`
  } catch {
    return `non-Error value thrown: ${String(value)}`
  }
}
