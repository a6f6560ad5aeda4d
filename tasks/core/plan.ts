/**
 * What to do, decided from what is on disk and what the database has recorded. Pure: the same files and
 * rows always give the same plan, which is what the property tests in test/core/plan.test.ts rely on.
 */
import { compareMigrationIds, migrationId } from './migration-name'

/** A migration that exists on disk (compiled), with the checksum of its source when it is known. */
export interface AvailableMigration {
  readonly id: string
  readonly checksum: string | null
}

/** A row of the migrations table. `name` may carry the `.ts` extension of the earlier runner. */
export interface RecordedMigration {
  readonly name: string
  readonly checksum: string | null
  readonly appliedAt: string
  readonly durationMs: number | null
  /** The run that applied it (one id per `gulp migrate`); null for rows of earlier versions. */
  readonly runId?: string | null
  /** Checksums of the helpers it imported when it was applied (helper path → checksum). */
  readonly helpers?: Readonly<Record<string, string>>
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing' | 'out-of-order'

export interface PlanEntry {
  readonly id: string
  readonly state: MigrationState
  readonly appliedAt: string | null
  readonly durationMs: number | null
}

export interface Plan {
  /** Every migration known from the files or the table, in order. */
  readonly entries: readonly PlanEntry[]
  /** Ids to apply now, in order (out-of-order ones included only when allowed). */
  readonly pending: readonly string[]
  /** Applied migrations whose source no longer matches the recorded checksum. */
  readonly changed: readonly string[]
  /** Recorded migrations with no file. */
  readonly missing: readonly string[]
  /** Pending migrations that sort before the newest applied one. */
  readonly outOfOrder: readonly string[]
  /** Applied migrations recorded without a checksum (adopted from the earlier runner): record these. */
  readonly checksumsToRecord: ReadonlyArray<{ readonly id: string; readonly checksum: string }>
}

export interface PlanOptions {
  /** Apply pending migrations that sort before the newest applied one instead of refusing. */
  readonly allowOutOfOrder?: boolean
}

export function planMigrations(
  available: readonly AvailableMigration[],
  recorded: readonly RecordedMigration[],
  options: PlanOptions = {},
): Plan {
  const rows = new Map<string, RecordedMigration>()
  for (const row of recorded) {
    const id = migrationId(row.name)
    if (!rows.has(id)) rows.set(id, row) // a duplicated row (old runners) counts once
  }
  const files = new Map(available.map((m) => [m.id, m]))
  const ids = [...new Set([...files.keys(), ...rows.keys()])].sort(compareMigrationIds)
  const newestApplied = [...rows.keys()].sort(compareMigrationIds).at(-1)

  const entries: PlanEntry[] = []
  const pending: string[] = []
  const changed: string[] = []
  const missing: string[] = []
  const outOfOrder: string[] = []
  const checksumsToRecord: Array<{ id: string; checksum: string }> = []

  for (const id of ids) {
    const file = files.get(id)
    const row = rows.get(id)
    let state: MigrationState
    if (row && !file) {
      state = 'missing'
      missing.push(id)
    } else if (row && file) {
      if (row.checksum === null) {
        state = 'applied'
        if (file.checksum !== null) checksumsToRecord.push({ id, checksum: file.checksum })
      } else if (file.checksum !== null && file.checksum !== row.checksum) {
        state = 'changed'
        changed.push(id)
      } else {
        state = 'applied'
      }
    } else if (newestApplied !== undefined && compareMigrationIds(id, newestApplied) < 0) {
      state = 'out-of-order'
      outOfOrder.push(id)
      if (options.allowOutOfOrder) pending.push(id)
    } else {
      state = 'pending'
      pending.push(id)
    }
    entries.push({ id, state, appliedAt: row?.appliedAt ?? null, durationMs: row?.durationMs ?? null })
  }
  return { entries, pending, changed, missing, outOfOrder, checksumsToRecord }
}
