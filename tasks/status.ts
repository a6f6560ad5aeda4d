/**
 * Where each migration stands, from the sources (not the compiled output, so status works before a compile)
 * and the migrations table. Reads only: the database is never created or written.
 */
import type { Database } from 'better-sqlite3'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { checkProblems, type CheckProblem } from './core/check'
import { migrationChecksum } from './core/checksum'
import { changedHelpers, describeChangedHelper, type ChangedHelper } from './core/helper-drift'
import { describeStray, type StrayFile } from './core/folder-contents'
import { isCompiledMigrationFile, migrationId } from './core/migration-name'
import { planMigrations, type MigrationState } from './core/plan'
import { listStrayFiles } from './io/helpers'
import { Ledger } from './io/ledger'
import { readManifest } from './io/manifest'
import { listSourceMigrations, type MigrationFolders } from './io/migration-files'
import { schemaFileState as schemaFileState_, type SchemaFileState } from './io/schema'

export interface StatusEntry {
  readonly id: string
  readonly state: MigrationState
  readonly appliedAt: string | null
  readonly durationMs: number | null
  readonly source: string | null
}

export interface StatusReport {
  readonly migrations: readonly StatusEntry[]
  /** Compiled files with no source, or compiled from a different version of their source. */
  readonly stale: readonly string[]
  /** Whether schema.sql matches the database; `undefined` when not checked (no file, or not this tool's). */
  readonly schemaCurrent?: boolean
  /** What schema.sql is, when it was looked at: `foreign` is a file this tool did not write (never compared). */
  readonly schemaFileState?: SchemaFileState
  /** Files in the migrations folder that are not migrations, nor helpers migrations import, nor companions. */
  readonly stray: readonly StrayReport[]
  /** Helpers edited (or deleted) after applied migrations imported them. */
  readonly changedHelpers: readonly ChangedHelper[]
}

export interface StrayReport extends StrayFile {
  /** What it is and how to make it a migration, in one line. */
  readonly message: string
}

export interface StatusOptions extends MigrationFolders {
  readonly table?: string
  /** Compare this schema.sql with the database. */
  readonly schemaFile?: string
}

/**
 * Where each migration stands. `db` may be `undefined` for a database that does not exist yet: everything is
 * then pending.
 *
 * @example
 * ```ts
 * const report = migrationStatus(new Database('var/app.sqlite3', { readonly: true }), { sourceDir: 'migrations', distDir: 'migrations/dist' })
 * const pending = report.migrations.filter((m) => m.state === 'pending').map((m) => m.id)
 * ```
 */
export function migrationStatus(db: Database | undefined, options: StatusOptions): StatusReport {
  const table = options.table ?? 'migrations'
  const sources = listSourceMigrations(options.sourceDir)
  const rows = db ? new Ledger(db, table).read() : []
  const plan = planMigrations(sources, rows, { allowOutOfOrder: false })
  const sourceById = new Map(sources.map((s) => [s.id, s]))
  const migrations = plan.entries.map((e) => ({ ...e, source: sourceById.get(e.id)?.source ?? null }))

  const manifest = readManifest(options.distDir)
  const compiled = existsSync(options.distDir) ? readdirSync(options.distDir).filter(isCompiledMigrationFile).map(migrationId) : []
  const stale = compiled.filter((id) => {
    const source = sourceById.get(id)
    return !source || (manifest !== undefined && manifest.migrations[id] !== source.checksum)
  })
  const last = rows.length > 0 ? migrationId(rows[rows.length - 1].name) : undefined
  const schemaFileState = db && options.schemaFile && rows.length > 0 ? schemaFileState_(db, table, options.schemaFile, last) : undefined
  const schemaCurrent = schemaFileState === undefined || schemaFileState === 'foreign' ? undefined : schemaFileState === 'current'
  const folder = relative(process.cwd(), options.sourceDir) || options.sourceDir
  const stray = listStrayFiles(options.sourceDir, options.distDir).map((s) => ({ ...s, message: describeStray(s, folder) }))
  const helperChecksum = (helper: string) => {
    try {
      return migrationChecksum(readFileSync(join(options.sourceDir, helper)))
    } catch {
      return undefined
    }
  }
  return { migrations, stale, schemaCurrent, schemaFileState, stray, changedHelpers: changedHelpers(rows, helperChecksum) }
}

/**
 * The CI gate over a status report: problems and the exit code for the worst kind (see `CHECK_EXIT_CODES`).
 *
 * @example
 * ```ts
 * const { problems, exitCode } = checkStatus(migrationStatus(db, folders))
 * if (exitCode !== 0) { console.error(problems.map((p) => p.message).join('\n')); process.exitCode = exitCode }
 * ```
 */
export function checkStatus(report: StatusReport): { problems: CheckProblem[]; exitCode: number } {
  const ids = (state: MigrationState) => report.migrations.filter((m) => m.state === state).map((m) => m.id)
  return checkProblems({
    pending: ids('pending'),
    changed: ids('changed'),
    missing: ids('missing'),
    outOfOrder: ids('out-of-order'),
    stale: report.stale,
    stray: report.stray.map((s) => s.message),
    changedHelpers: report.changedHelpers.map(describeChangedHelper),
    schemaCurrent: report.schemaCurrent,
  })
}
