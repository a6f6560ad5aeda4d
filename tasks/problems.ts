/**
 * Everything that can stop a command and that the user can fix, as data: one variant per kind of problem,
 * with the facts a program needs (ids, paths, numbers), never prose. `problem-messages.ts` words them.
 */

/** The options a message can point at; each vocabulary spells them its own way (`step: 5` or `--step=5`). */
export type OptionName =
  | 'name'
  | 'database'
  | 'busyTimeoutMs'
  | 'allowOutOfOrder'
  | 'allowMissing'
  | 'transactionMode'
  | 'step'
  | 'to'
  | 'all'
  | 'baseline'
  | 'table'
  | 'migrationsDir'
  | 'force'
  | 'lastRun'
  | 'atomic'
  | 'transactionPerMigration'
  | 'backup'
  | 'dryRun'
  | 'json'
  | 'quiet'
  | 'verbose'
  | 'schemaFile'
  | 'sql'
  | 'databases'
  | 'concurrency'
  | 'canary'
  | 'continueOnError'
  | 'driver'

/** Commands a message can suggest. */
export type CommandName = 'new' | 'repair' | 'unlock' | 'build' | 'migrate' | 'status' | 'down' | 'redo'

export type Direction = 'up' | 'down'

/** How a failed migration left the database. */
export interface FailureOutcome {
  /** It ran outside a transaction: statements before the failure may have stayed. */
  readonly ranOutsideTransaction: boolean
  /** Migrations before it that were undone with it (same transaction, atomic mode or a lost transaction). */
  readonly undone: number
  /** Migrations before it that stay applied (or rolled back, for a down). */
  readonly kept: number
  /** It was a redo (down of the applied version, then up), done as one unit. */
  readonly redo?: boolean
  /**
   * The runner's transaction ended under the migration: SQLite rolled it back (a trigger's RAISE(ROLLBACK)),
   * a COMMIT committed it (the migration's statements so far, without its record), or the connection closed.
   */
  readonly transactionLost?: 'rolled-back' | 'committed' | 'closed'
}

export type Problem =
  | { readonly kind: 'invalid-migration-name'; readonly name: unknown; readonly rule: 'required' | 'too-long' | 'characters' }
  | { readonly kind: 'no-free-timestamp'; readonly name: string; readonly folder: string }
  | { readonly kind: 'prefix-beyond-timestamps'; readonly prefix: string }
  | { readonly kind: 'invalid-option'; readonly option: OptionName; readonly value: unknown; readonly expected: string }
  | { readonly kind: 'conflicting-options'; readonly options: readonly OptionName[] }
  | { readonly kind: 'unknown-flag'; readonly flag: string; readonly task: string; readonly suggestion?: string }
  | { readonly kind: 'npm-config-flag'; readonly flag: string; readonly value: string; readonly script: string }
  | {
      readonly kind: 'unknown-migration'
      readonly option: 'to' | 'baseline' | 'name'
      readonly name: string
      readonly known: readonly string[]
    }
  | { readonly kind: 'not-newest'; readonly name: string; readonly newer: readonly string[] }
  | { readonly kind: 'no-run-recorded'; readonly name: string }
  | { readonly kind: 'not-pending'; readonly name: string }
  | { readonly kind: 'would-skip'; readonly name: string; readonly older: readonly string[] }
  | { readonly kind: 'not-applied'; readonly name: string; readonly applied: readonly string[] }
  | { readonly kind: 'step-too-large'; readonly step: number; readonly applied: number }
  | { readonly kind: 'nothing-to-repair'; readonly name: string }
  | {
      readonly kind: 'drift'
      /** Source files of applied migrations that changed. */
      readonly changed: readonly string[]
      /** Ids of applied migrations whose file is gone. */
      readonly missing: readonly string[]
      /** Source files of pending migrations that sort before the newest applied one. */
      readonly outOfOrder: readonly string[]
    }
  | { readonly kind: 'baseline-refused'; readonly reason: 'has-history' | 'empty' }
  | { readonly kind: 'no-history'; readonly database: string; readonly tables: readonly string[] }
  | { readonly kind: 'lease-held'; readonly holder: string; readonly busyTimeoutMs: number }
  | { readonly kind: 'lease-live'; readonly holder: string }
  | { readonly kind: 'database-directory'; readonly database: string }
  | { readonly kind: 'database-folder'; readonly database: string; readonly cause: string }
  | { readonly kind: 'database-open-failed'; readonly database: string; readonly cause: string }
  | { readonly kind: 'database-locked'; readonly database: string; readonly busyTimeoutMs: number }
  | { readonly kind: 'database-readonly'; readonly database: string; readonly cause: string }
  | { readonly kind: 'not-a-database'; readonly database: string; readonly cause: string }
  | { readonly kind: 'database-corrupt'; readonly database: string; readonly cause: string }
  | {
      readonly kind: 'migrations-folder'
      readonly folder: string
      readonly role: 'migrations' | 'compiled migrations'
      readonly reason: 'missing' | 'not-a-folder' | 'unreadable'
      readonly cause: string
    }
  | { readonly kind: 'no-migrations'; readonly folder: string; readonly stray?: readonly string[] }
  | { readonly kind: 'duplicate-migration'; readonly groups: readonly (readonly string[])[]; readonly scope: 'sources' | 'compiled' }
  | { readonly kind: 'stale-output'; readonly file: string; readonly reason: 'not-in-manifest' | 'no-source-file' }
  | { readonly kind: 'compile-failed'; readonly diagnostics: readonly string[] }
  | { readonly kind: 'tsconfig-invalid'; readonly file: string; readonly diagnostics: readonly string[] }
  | { readonly kind: 'output-unwritable'; readonly folder: string; readonly cause: string }
  | { readonly kind: 'module-load-failed'; readonly file: string; readonly cause: string }
  | { readonly kind: 'invalid-module'; readonly file: string; readonly problems: readonly string[] }
  | {
      readonly kind: 'cannot-roll-back'
      readonly blockers: ReadonlyArray<{ readonly file: string; readonly reason: 'no-down' | 'no-file' | 'changed' }>
    }
  | { readonly kind: 'atomic-needs-transaction'; readonly file: string }
  | { readonly kind: 'cannot-redo'; readonly file: string; readonly reason: 'outside-transaction' | 'no-down' }
  | { readonly kind: 'watch-needs-gulp' }
  | {
      readonly kind: 'migration-failed'
      readonly file: string
      readonly direction: Direction
      readonly cause: string
      readonly outcome: FailureOutcome
    }
  | { readonly kind: 'deferred-foreign-keys'; readonly files: readonly string[]; readonly violations: readonly string[] }
  | { readonly kind: 'backup-failed'; readonly destination: string; readonly cause: string }
  | { readonly kind: 'rehearsal-failed'; readonly cause: string; readonly problem?: Problem }
  | { readonly kind: 'no-space'; readonly folder: string; readonly neededBytes: number; readonly freeBytes: number }
  | { readonly kind: 'ledger-table-mismatch'; readonly table: string; readonly columns: readonly string[] }
  | { readonly kind: 'verify-failed'; readonly ids: readonly string[]; readonly withoutDown?: readonly string[] }
  | { readonly kind: 'schema-file-foreign'; readonly file: string }
  | { readonly kind: 'no-databases'; readonly selection: string }
  | {
      readonly kind: 'fleet-failed'
      readonly failed: number
      readonly notStarted: number
      readonly total: number
      /** The roll-out stopped because a canary failed. */
      readonly canary: boolean
      readonly operation: 'apply' | 'rollback' | 'dry-run'
    }
  | { readonly kind: 'check-failed'; readonly exitCode: number; readonly problems: readonly string[] }

export type ProblemKind = Problem['kind']

/** The problem of kind `K`. */
export type ProblemOf<K extends ProblemKind> = Extract<Problem, { kind: K }>
