/**
 * Helpers edited after applied migrations used them. An applied migration never runs again, so an edit of a
 * helper it imported changes what a fresh database gets, not what existing ones have: not silent, but not the
 * migration's own drift either. Pure.
 */
import { migrationId } from './migration-name'
import type { RecordedMigration } from './plan'

export interface ChangedHelper {
  /** Path relative to the migrations folder. */
  readonly helper: string
  /** Applied migrations that imported the earlier version. */
  readonly usedBy: readonly string[]
  /** `true` when the helper's file is gone. */
  readonly missing: boolean
}

/** `current` gives a helper's checksum now, or `undefined` when its file is gone. */
export function changedHelpers(rows: readonly RecordedMigration[], current: (helper: string) => string | undefined): ChangedHelper[] {
  const byHelper = new Map<string, { usedBy: string[]; missing: boolean }>()
  for (const row of rows) {
    for (const [helper, recorded] of Object.entries(row.helpers ?? {})) {
      const now = current(helper)
      if (now === recorded) continue
      const entry = byHelper.get(helper) ?? { usedBy: [], missing: now === undefined }
      entry.usedBy.push(migrationId(row.name))
      byHelper.set(helper, entry)
    }
  }
  return [...byHelper].map(([helper, { usedBy, missing }]) => ({ helper, usedBy, missing })).sort((a, b) => (a.helper < b.helper ? -1 : 1))
}

/** One line: which helper, which applied migrations used the earlier version, and what to do. */
export function describeChangedHelper(change: ChangedHelper): string {
  return (
    `${change.helper} was ${change.missing ? 'deleted' : 'edited'} after ${change.usedBy.join(', ')} imported it; ` +
    `${change.usedBy.length === 1 ? 'that migration' : 'those migrations'} will not run again, so existing databases keep what the earlier version did ` +
    '(restore the helper, or run `gulp migrate:repair` to accept the change)'
  )
}
