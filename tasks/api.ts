/**
 * The public operations on one open database: apply, roll back, redo, repair checksums, release a lease,
 * write a schema snapshot. The gulp tasks, watch mode, the stream plugins and the test helper all call
 * these; nothing else writes to the migrations table.
 *
 * Each operation takes the write lock first, reads the migrations table once, decides everything (pure
 * functions in `core/`), loads every module it will run, and only then writes. A refusal leaves the
 * database as it was: nothing is written before every check passed.
 */
import type { Database } from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { decideBaseline } from './core/baseline'
import { driftProblem, type DriftPolicy } from './core/drift'
import { migrationId } from './core/migration-name'
import { planMigrations, type Plan, type RecordedMigration } from './core/plan'
import { selectOne, selectRollback, selectUpTo, type LooseRollbackTarget } from './core/selection'
import { groupIntoUnits, type Unit } from './core/units'
import { MigrateError } from './errors'
import { translateSqliteError } from './io/database'
import { failpoint } from './io/failpoint'
import { describeLease, leaseHealth, LeaseStore, type Lease } from './io/lease'
import { Ledger } from './io/ledger'
import { loadMigration, type CompiledMigration } from './io/migration-files'
import { applicationTables } from './io/schema'
export { writeSchemaSnapshot } from './io/schema-snapshot'
import { WriteLock } from './io/write-lock'
import { resolveRunOptions, type ApplyOptions, type ResolvedRunOptions, type RollbackOptions, type RunOptions } from './options'
import type { Problem } from './problems'
import { RunLog, type RunResult } from './run-log'
import { Executor } from './runner/executor'
import type { ReplaceStep, Step } from './runner/steps'
import type { Migration } from './types'
import { databaseName } from './io/connection'

interface Run {
  readonly db: Database
  readonly settings: ResolvedRunOptions
  readonly ledger: Ledger
  readonly lock: WriteLock
  readonly log: RunLog
  readonly executor: Executor
}

/** Sets up one run, runs `body` holding the write lock, commits what is left open, and words SQLite's errors. */
async function withRun(db: Database, options: RunOptions, body: (run: Run) => Promise<void>): Promise<RunResult> {
  const settings = resolveRunOptions(options, databaseName(db))
  const ledger = new Ledger(db, settings.table)
  const lock = new WriteLock(db, ledger.lockTable, settings)
  const log = new RunLog(settings.onEvent)
  const executor = new Executor(db, lock, ledger, log, settings, randomUUID()) // the run id, recorded with each migration
  try {
    await lock.acquire()
    failpoint('after-begin')
    await body({ db, settings, ledger, lock, log, executor })
    lock.commit()
    return log.result()
  } catch (error) {
    throw translateSqliteError(error, settings.databaseLabel, settings.busyTimeoutMs)
  } finally {
    try {
      lock.rollback()
      executor.finish()
    } catch {
      // A damaged file can fail the clean-up too; that must not hide the run's own error (the connection ends both).
    }
  }
}

const refuse = (problem: Problem | undefined): void => {
  if (problem) throw new MigrateError(problem)
}

function grouped(steps: readonly Step[], settings: ResolvedRunOptions): readonly Unit<Step>[] {
  const grouping = groupIntoUnits(steps, settings.transactionMode, (s) => ({ source: s.migration.source, ...s.module }))
  if (!grouping.ok) throw new MigrateError(grouping.problem)
  return grouping.units
}

/** Reads the table and the files and refuses the drift `policy` does not allow. Reads only. */
export function checkedPlan(db: Database, available: readonly CompiledMigration[], options: ApplyOptions = {}): Plan {
  return decidePlan(available, new Ledger(db, options.table ?? 'migrations').read(), options)
}

function decidePlan(available: readonly CompiledMigration[], rows: readonly RecordedMigration[], policy: DriftPolicy): Plan {
  const plan = planMigrations(available, rows, policy)
  const sources = new Map(available.map((m) => [m.id, m.source]))
  refuse(driftProblem(plan, policy, (id) => sources.get(id) ?? id))
  return plan
}

/** Options of an apply; `loaded` gives modules already loaded (a fleet run loads each file once per thread, not per database). */
export type ApplyRunOptions = ApplyOptions & { readonly loaded?: ReadonlyMap<string, Migration> }

/**
 * Applies the pending migrations in `available`, each atomic with its record. Throws a `MigrateError` (a
 * `MigrationRunError`, with `results`, when a migration fails) and refuses drift before anything runs.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { applyMigrations, listCompiledMigrations } from 'gulp-sqlite-migrate'
 *
 * const db = new Database('var/app.sqlite3', { timeout: 10_000 })
 * const available = listCompiledMigrations({ sourceDir: 'migrations', distDir: 'migrations/dist' })
 * const { results } = await applyMigrations(db, available, { transactionMode: 'batch' })
 * for (const r of results) console.log(r.id, r.outcome, `${Math.round(r.durationMs)} ms`)
 * ```
 */
export function applyMigrations(db: Database, available: readonly CompiledMigration[], options: ApplyRunOptions = {}): Promise<RunResult> {
  return withRun(db, options, async ({ settings, ledger, log, executor }) => {
    const recorded = ledger.read()
    const baseline = decideBaseline({
      hasHistory: recorded.length > 0,
      tables: recorded.length > 0 ? [] : applicationTables(db, settings.table),
      known: available.map((m) => m.id),
      baseline: options.baseline,
      database: settings.databaseLabel,
    })
    if (baseline.action === 'refuse') throw new MigrateError(baseline.problem)
    const baselined = baseline.action === 'record' ? baseline.ids : []
    const rows = [...recorded, ...baselined.map((name) => ({ name, checksum: null, appliedAt: '', durationMs: 0 }))]
    const plan = decidePlan(available, rows, options)
    const known = available.map((m) => m.id)
    const selection =
      options.only === undefined
        ? selectUpTo(plan.pending, known, options.to)
        : selectOne(plan.pending, known, options.only, options.allowOutOfOrder ?? false)
    if (!selection.ok) throw new MigrateError(selection.problem)
    // Load and check every module before anything runs: a broken one stops the run with nothing applied.
    const byId = new Map(available.map((m) => [m.id, m]))
    const steps = selection.ids.map((id) => ({
      migration: byId.get(id) as CompiledMigration,
      module: options.loaded?.get(id) ?? loadMigration(byId.get(id) as CompiledMigration),
    }))
    const units = grouped(steps, settings)
    if (steps.length > 0) await options.beforeChanges?.()
    // Every check passed: write.
    if (ledger.needsSetup()) ledger.setup()
    // No run id: --last-run rolls back what a run applied, never the migrations a baseline only recorded.
    for (const id of baselined) ledger.record(byId.get(id) ?? { id, checksum: null }, 0, null)
    const checksums = plan.checksumsToRecord.filter((c) => !baselined.includes(c.id))
    for (const { id, checksum } of checksums) ledger.setChecksum(id, checksum)
    log.recordedBaseline(baselined)
    log.recordedChecksums(checksums.map((c) => c.id))
    await executor.run(units, 'up')
  })
}

/**
 * What a rollback or redo acts on, from one read of the table: the applied ids chosen by the target, and the
 * plan (to know which applied migrations changed).
 */
function rollbackDecision(
  ledger: Ledger,
  available: readonly CompiledMigration[],
  target: LooseRollbackTarget,
): { ids: string[]; plan: Plan } {
  const rows = ledger.read()
  const seen = new Set<string>()
  const applied = rows
    .map((row) => ({ id: migrationId(row.name), runId: row.runId ?? null }))
    .filter((row) => !seen.has(row.id) && seen.add(row.id))
  const selection = selectRollback(applied, target)
  if (!selection.ok) throw new MigrateError(selection.problem)
  return { ids: selection.ids, plan: planMigrations(available, rows) }
}

/** The applied module of each id for its down, or why it cannot be rolled back (no down, no file, changed). */
function downSteps(
  ids: readonly string[],
  available: readonly CompiledMigration[],
  plan: Plan,
  loaded?: ReadonlyMap<string, Migration>,
): Step[] {
  const byId = new Map(available.map((m) => [m.id, m]))
  const blockers: Array<{ file: string; reason: 'no-down' | 'no-file' | 'changed' }> = []
  const steps: Step[] = []
  for (const id of ids) {
    const migration = byId.get(id)
    const kept = loaded?.get(id)
    const file = migration?.source ?? id
    if (!kept && !migration) blockers.push({ file, reason: 'no-file' })
    else if (!kept && plan.changed.includes(id)) blockers.push({ file, reason: 'changed' })
    else {
      const module = kept ?? loadMigration(migration as CompiledMigration)
      if (typeof module.down !== 'function') blockers.push({ file, reason: 'no-down' })
      else steps.push({ migration: migration ?? { id, checksum: null, file: '', source: `${id}.ts` }, module })
    }
  }
  if (blockers.length > 0) throw new MigrateError({ kind: 'cannot-roll-back', blockers })
  return steps
}

/** Options of a rollback or redo; `loaded` gives modules to use instead of the files (watch mode keeps the versions it applied). */
export type RollbackRunOptions = RollbackOptions & { readonly loaded?: ReadonlyMap<string, Migration> }

/**
 * Rolls back applied migrations with their `down`, in the reverse of the order they were applied (default: the
 * newest one). If any migration in the range has no `down`, no file or a changed source, nothing is rolled back.
 *
 * @example
 * ```ts
 * await rollbackMigrations(db, available, { step: 2 }) // the newest two
 * await rollbackMigrations(db, available, { to: '20261126090000_create_users' }) // everything applied after it
 * ```
 */
export function rollbackMigrations(
  db: Database,
  available: readonly CompiledMigration[],
  options: RollbackRunOptions = {},
): Promise<RunResult> {
  return withRun(db, options, async ({ settings, ledger, executor }) => {
    const { ids, plan } = rollbackDecision(ledger, available, options)
    const steps = downSteps(ids, available, plan, options.loaded)
    const units = grouped(steps, settings)
    if (steps.length > 0) await options.beforeChanges?.()
    await executor.run(units, 'down')
  })
}

/**
 * Redoes the newest applied migration (or the newest `step`) as one unit: the applied versions' downs, newest
 * first, then the current versions' ups, in one transaction. If anything fails, what was applied stays applied.
 * Migrations that run outside a transaction or with foreign keys off are refused: roll them back, then apply.
 *
 * @example
 * ```ts
 * await redoMigrations(db, available) // the newest one, with the current version of its file
 * ```
 */
export function redoMigrations(
  db: Database,
  available: readonly CompiledMigration[],
  options: RollbackRunOptions = {},
): Promise<RunResult> {
  return withRun(db, options, async ({ ledger, executor }) => {
    const { ids, plan } = rollbackDecision(ledger, available, options)
    const steps: ReplaceStep[] = downSteps(ids, available, plan, options.loaded).map((step) => {
      if (!step.migration.file)
        throw new MigrateError({ kind: 'cannot-roll-back', blockers: [{ file: step.migration.source, reason: 'no-file' }] })
      const next = loadMigration(step.migration)
      for (const module of [step.module, next])
        if (module.transaction === false || module.foreignKeys === false)
          throw new MigrateError({ kind: 'cannot-redo', file: step.migration.source, reason: 'outside-transaction' })
      return { migration: step.migration, module: next, applied: step.module }
    })
    if (steps.length > 0) await options.beforeChanges?.()
    await executor.replace(steps)
  })
}

/**
 * Accepts the current source of applied migrations that changed: their checksums are recorded again; they
 * are not run. `name` limits it to one migration. Returns the ids repaired.
 */
export async function repairChecksums(
  db: Database,
  available: readonly CompiledMigration[],
  options: RunOptions & { readonly name?: string } = {},
): Promise<string[]> {
  let repaired: string[] = []
  await withRun(db, options, async ({ ledger }) => {
    const rows = ledger.read()
    const plan = planMigrations(available, rows)
    const only = options.name === undefined ? undefined : migrationId(options.name.trim())
    const byId = new Map(available.map((m) => [m.id, m]))
    // Applied migrations whose helpers were edited since: their rows take the helpers' current checksums.
    const helpersEdited = rows
      .map((row) => ({ id: migrationId(row.name), recorded: row.helpers }))
      .filter(({ id, recorded }) => recorded && JSON.stringify(recorded) !== JSON.stringify(byId.get(id)?.helpers ?? {}))
      .map(({ id }) => id)
    repaired = [...new Set([...plan.changed, ...helpersEdited])].filter((id) => only === undefined || id === only)
    if (only !== undefined && repaired.length === 0) throw new MigrateError({ kind: 'nothing-to-repair', name: only })
    for (const id of repaired) {
      if (plan.changed.includes(id)) ledger.setChecksum(id, byId.get(id)?.checksum as string)
      if (helpersEdited.includes(id)) ledger.setHelpers(id, byId.get(id)?.helpers ?? {})
    }
  })
  return repaired
}

/**
 * Releases the lease of a non-transactional migration whose runner is gone; refuses a live holder unless
 * `force`. Returns the released lease, or `undefined` when there was none. It does not wait for the lease:
 * releasing it is the point.
 */
export function releaseLease(db: Database, options: { readonly table?: string; readonly force?: boolean } = {}): Lease | undefined {
  const ledger = new Ledger(db, options.table ?? 'migrations')
  const leases = new LeaseStore(db, ledger.lockTable)
  return db
    .transaction(() => {
      const lease = leases.current()
      if (!lease) return undefined
      if (leaseHealth(lease, new Date()) === 'live' && !options.force)
        throw new MigrateError({ kind: 'lease-live', holder: describeLease(lease) })
      leases.release()
      return lease
    })
    .immediate()
}
