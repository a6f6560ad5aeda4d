/**
 * The write lock of one runner on one database: SQLite's own (`BEGIN IMMEDIATE`), plus the lease that a
 * migration running outside a transaction holds across its several transactions. Acquiring waits, within
 * the busy timeout, while another runner's lease is live, and breaks the lease of a holder that is gone.
 */
import type { Database } from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { MigrateError } from '../errors'
import type { RunEvent } from '../run-log'
import { LeaseStore, describeLease, leaseHealth } from './lease'

export interface WriteLockOptions {
  readonly busyTimeoutMs: number
  readonly leaseTtlMs: number
  readonly onEvent: (event: RunEvent) => void
}

export class WriteLock {
  private readonly owner = randomUUID()
  private readonly leases: LeaseStore

  constructor(
    private readonly db: Database,
    lockTable: string,
    private readonly options: WriteLockOptions,
  ) {
    this.leases = new LeaseStore(db, lockTable)
  }

  /** True while this connection holds SQLite's write lock (an open transaction). */
  get held(): boolean {
    return this.db.inTransaction
  }

  /** `BEGIN IMMEDIATE`, then waits (within the busy timeout) while another runner holds the lease. */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.options.busyTimeoutMs
    for (;;) {
      this.db.exec('BEGIN IMMEDIATE')
      const lease = this.leases.current()
      if (!lease || lease.owner === this.owner) return
      const health = leaseHealth(lease, new Date())
      if (health !== 'live') {
        // The holder crashed (same host, process gone) or outlived its lease: its migration was not recorded,
        // so it is still pending and runs again in order. Non-transactional migrations must be safe to re-run.
        this.leases.release(lease.owner)
        const why = health === 'dead' ? 'that process is gone' : `it expired at ${lease.expiresAt}`
        this.options.onEvent({
          type: 'lease-broken',
          reason: `Broke the lease of ${describeLease(lease)} (${why}); ${lease.migration} was interrupted and runs again`,
        })
        return
      }
      this.db.exec('ROLLBACK')
      if (Date.now() >= deadline)
        throw new MigrateError({ kind: 'lease-held', holder: describeLease(lease), busyTimeoutMs: this.options.busyTimeoutMs })
      this.options.onEvent({ type: 'waiting', reason: `waiting for ${describeLease(lease)}` })
      await sleep(100)
    }
  }

  /** Holds the lock, acquiring it when it is not held. */
  async ensure(): Promise<void> {
    if (!this.held) await this.acquire()
  }

  commit(): void {
    if (this.held) this.db.exec('COMMIT')
  }

  rollback(): void {
    if (this.held) this.db.exec('ROLLBACK')
  }

  /** Runs `body` in a write transaction of its own (acquired, then committed; rolled back if it throws). */
  async write(body: () => void): Promise<void> {
    await this.acquire()
    try {
      body()
      this.commit()
    } finally {
      this.rollback()
    }
  }

  /** Takes the lease for `migration`; call while holding the lock. */
  takeLease(migration: string): void {
    this.leases.take(this.owner, migration, this.options.leaseTtlMs)
  }

  /** Releases this runner's lease; call while holding the lock. */
  dropLease(): void {
    this.leases.release(this.owner)
  }
}
