/**
 * What a run did, in one append-only log: one result per migration it touched, and the events a caller
 * watches for progress. The executor appends; nothing else writes results.
 *
 * Vocabulary: a migration's *state* is where it stands (`applied`, `pending`, ... in a plan or a status
 * report); its *outcome* is what one run did to it (`applied`, `reverted`, `failed`, `rolled-back`, `not-run`).
 */
import { performance } from 'node:perf_hooks'
import { MigrateError } from './errors'
import type { Direction, FailureOutcome } from './problems'

export type { Direction } from './problems'

export type MigrationOutcome = 'applied' | 'reverted' | 'failed' | 'rolled-back' | 'not-run'

export interface MigrationResult {
  readonly id: string
  readonly direction: Direction
  readonly outcome: MigrationOutcome
  readonly durationMs: number
  readonly error?: string
}

export interface RunResult {
  readonly results: readonly MigrationResult[]
  /** Adopted migrations whose checksum was recorded for the first time. */
  readonly checksumsRecorded: readonly string[]
  /** Migrations recorded as applied by a baseline, without running. */
  readonly baselined: readonly string[]
  readonly durationMs: number
}

export type RunEvent =
  | { readonly type: 'applied' | 'reverted' | 'redone'; readonly id: string; readonly durationMs: number }
  | { readonly type: 'migration-start'; readonly id: string; readonly direction: Direction; readonly index: number; readonly total: number }
  | { readonly type: 'migration-end'; readonly id: string; readonly direction: Direction }
  | { readonly type: 'checksums-recorded' | 'baselined'; readonly ids: readonly string[] }
  | { readonly type: 'waiting' | 'lease-broken'; readonly reason: string }

/** Thrown when a migration fails; `results` says what was done, what failed and what was not run. */
export class MigrationRunError extends MigrateError {
  constructor(
    file: string,
    direction: Direction,
    cause: string,
    outcome: FailureOutcome,
    readonly results: readonly MigrationResult[],
    thrown: unknown,
  ) {
    super({ kind: 'migration-failed', file, direction, cause, outcome }, { cause: thrown })
  }
}

export class RunLog {
  private readonly results: MigrationResult[] = []
  private readonly started = performance.now()
  private checksumsRecorded: readonly string[] = []
  private baselined: readonly string[] = []
  /** For progress: how many migrations this run has, and how many have started. */
  private total = 0
  private begun = 0
  /** Events about bookkeeping written in the open transaction: told once it is committed, never before. */
  private untilCommit: RunEvent[] = []

  constructor(readonly emit: (event: RunEvent) => void) {}

  expect(total: number): void {
    this.total = total
  }

  starting(id: string, direction: Direction): void {
    this.emit({ type: 'migration-start', id, direction, index: ++this.begun, total: this.total })
  }

  /** Migrations that are done for good (their transaction committed). */
  committed(results: readonly MigrationResult[], redone = false): void {
    this.flushCommitted()
    this.results.push(...results)
    for (const r of results)
      this.emit({ type: redone ? 'redone' : r.direction === 'up' ? 'applied' : 'reverted', id: r.id, durationMs: r.durationMs })
  }

  /** Any result that is not a committed success: failed, rolled back with a failure, or not run. */
  record(results: readonly MigrationResult[]): void {
    this.results.push(...results)
  }

  recordedChecksums(ids: readonly string[]): void {
    this.checksumsRecorded = ids
    if (ids.length > 0) this.untilCommit.push({ type: 'checksums-recorded', ids })
  }

  recordedBaseline(ids: readonly string[]): void {
    this.baselined = ids
    if (ids.length > 0) this.untilCommit.push({ type: 'baselined', ids })
  }

  private flushCommitted(): void {
    for (const event of this.untilCommit) this.emit(event)
    this.untilCommit = []
  }

  /** How many migrations this run has completed (applied or reverted) so far. */
  completed(): number {
    return this.results.filter((r) => r.outcome === 'applied' || r.outcome === 'reverted').length
  }

  snapshot(): readonly MigrationResult[] {
    return [...this.results]
  }

  /** What the run did; call after its last commit. */
  result(): RunResult {
    this.flushCommitted()
    return {
      results: this.snapshot(),
      checksumsRecorded: this.checksumsRecorded,
      baselined: this.baselined,
      durationMs: performance.now() - this.started,
    }
  }
}
