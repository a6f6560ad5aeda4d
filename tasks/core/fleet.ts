/**
 * The decisions of a fleet run (one migration run per database file, many files): which database may start
 * next under the roll-out policy, and what the results add up to. Pure: no files, no threads.
 *
 * - `canary: N` runs the first N databases alone; the rest start only when all N succeeded.
 * - By default the first failure stops new databases from starting (the running ones finish: each is atomic on
 *   its own); `continueOnError` goes on past failures.
 */

import type { Problem } from '../problems'

/** What happened to one database: the change done (by the operation), nothing to do, a failure, or never started. */
export type FleetOutcome = 'migrated' | 'rolled-back' | 'rehearsed' | 'up-to-date' | 'failed' | 'not-started'

/** What a fleet run does to each database. */
export type FleetOperation = 'apply' | 'rollback' | 'dry-run'

/** The outcome of a database the operation changed. */
export const CHANGED: Record<FleetOperation, FleetOutcome> = { apply: 'migrated', rollback: 'rolled-back', 'dry-run': 'rehearsed' }

export interface FleetPolicy {
  /** Databases migrated first, alone; any failure among them stops the run. 0 for none. */
  readonly canary: number
  /** Start new databases after a failure. */
  readonly continueOnError: boolean
}

/** Decides, as results come in, whether another database may start. */
export class FleetScheduler {
  private started = 0
  private running = 0
  private canaryFailed = false
  private failed = 0

  constructor(private readonly policy: FleetPolicy) {}

  /** Whether the next database may start now (`false` may change once running ones finish; see {@link stopped}). */
  canStart(): boolean {
    if (this.stopped) return false
    if (this.started < this.policy.canary) return true
    return this.running === 0 || this.started > this.policy.canary // after the canaries, once they all finished
  }

  /** No database will start any more: a canary failed, or a failure without `continueOnError`. */
  get stopped(): boolean {
    return this.canaryFailed || (this.failed > 0 && !this.policy.continueOnError)
  }

  start(): void {
    this.started++
    this.running++
  }

  finish(outcome: Exclude<FleetOutcome, 'not-started'>, wasCanary: boolean): void {
    this.running--
    if (outcome !== 'failed') return
    this.failed++
    if (wasCanary) this.canaryFailed = true
  }

  /** Whether the database about to start (call before {@link start}) is one of the canaries. */
  nextIsCanary(): boolean {
    return this.started < this.policy.canary
  }
}

export interface FleetSummary {
  readonly operation: FleetOperation
  readonly total: number
  readonly migrated: number
  readonly rolledBack: number
  /** Databases a dry run applied migrations to, on a copy. */
  readonly rehearsed: number
  readonly upToDate: number
  readonly failed: number
  readonly notStarted: number
  readonly durationMs: number
}

export function summarizeFleet(outcomes: Iterable<FleetOutcome>, durationMs: number, operation: FleetOperation = 'apply'): FleetSummary {
  const counts: Record<FleetOutcome, number> = { migrated: 0, 'rolled-back': 0, rehearsed: 0, 'up-to-date': 0, failed: 0, 'not-started': 0 }
  let total = 0
  for (const outcome of outcomes) {
    counts[outcome]++
    total++
  }
  return {
    operation,
    total,
    migrated: counts.migrated,
    rolledBack: counts['rolled-back'],
    rehearsed: counts.rehearsed,
    upToDate: counts['up-to-date'],
    failed: counts.failed,
    notStarted: counts['not-started'],
    durationMs,
  }
}

/** Where one database stands, for the fleet's status. */
export interface DatabaseVersion {
  readonly database: string
  /** The newest applied migration, or `null` for a database with none. */
  readonly lastApplied: string | null
  readonly pending: number
  /** Applied migrations whose file changed or is gone, or pending ones older than the newest applied. */
  readonly drifted: readonly string[]
  /** Pending migrations older than the newest applied (also in `drifted`). */
  readonly outOfOrder?: readonly string[]
  /** Helpers edited since applied migrations imported them (also in `drifted`, as `helper <path>`). */
  readonly changedHelpers?: readonly string[]
  /** Why it could not be read (corrupt, locked, not a database). */
  readonly error?: string
  /** That reason as data, for the caller to word. */
  readonly problem?: Problem
}

export interface VersionGroup {
  readonly lastApplied: string | null
  readonly databases: number
  /** Pending migrations at that version (the same for every database there, unless some drifted). */
  readonly behind: number
}

export interface FleetVersions {
  readonly total: number
  /** Databases by newest applied migration, most common first. */
  readonly versions: readonly VersionGroup[]
  readonly upToDate: number
  readonly behind: number
  readonly drifted: readonly DatabaseVersion[]
  readonly unreadable: readonly DatabaseVersion[]
}

/** How many databases stand at each version, and which are behind, drifted or unreadable. */
export function summarizeVersions(entries: Iterable<DatabaseVersion>): FleetVersions {
  const groups = new Map<string | null, { databases: number; behind: number }>()
  const drifted: DatabaseVersion[] = []
  const unreadable: DatabaseVersion[] = []
  let total = 0
  let upToDate = 0
  let behind = 0
  for (const entry of entries) {
    total++
    if (entry.error !== undefined) {
      unreadable.push(entry)
      continue
    }
    if (entry.drifted.length > 0) drifted.push(entry)
    if (entry.pending === 0 && entry.drifted.length === 0) upToDate++
    if (entry.pending > 0) behind++
    const group = groups.get(entry.lastApplied) ?? { databases: 0, behind: entry.pending }
    group.databases++
    groups.set(entry.lastApplied, group)
  }
  const versions = [...groups]
    .map(([lastApplied, g]) => ({ lastApplied, databases: g.databases, behind: g.behind }))
    .sort((a, b) => b.databases - a.databases || a.behind - b.behind)
  return { total, versions, upToDate, behind, drifted, unreadable }
}
