/**
 * The lease that guards a migration running outside a transaction. SQLite's write lock protects every
 * transactional migration; a non-transactional one runs across several transactions, so it takes this lease
 * (one row, with owner, pid, host and expiry) first, and every other runner waits while it is held.
 * A lease whose holder died is never broken silently: the migration may have stopped half-way.
 */
import type { Database } from 'better-sqlite3'
import { hostname } from 'node:os'
import { plainRow } from './connection'
import { certainlyGone, formatIdentity, ownIdentity } from './process-identity'

export interface Lease {
  readonly owner: string
  readonly pid: number
  readonly host: string
  readonly migration: string
  readonly acquiredAt: string
  readonly expiresAt: string
  /** Boot, pid namespace and start time of the holder (see `process-identity.ts`); null for leases of older versions. */
  readonly identity?: string | null
}

export type LeaseHealth = 'live' | 'dead' | 'expired'

/**
 * Decides whether a lease's holder may still be working. Its pid is evidence only when the holder certainly
 * ran in this boot and pid namespace (two containers may share a host name and reuse pids); otherwise only
 * the expiry decides.
 */
export function leaseHealth(lease: Lease, now: Date, isAlive: (pid: number) => boolean = pidIsAlive): LeaseHealth {
  if (certainlyGone(lease.pid, lease.identity, isAlive) === true) return 'dead'
  if (Date.parse(lease.expiresAt) <= now.getTime()) return 'expired'
  return 'live'
}

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function describeLease(lease: Lease): string {
  return `migration ${lease.migration} in process ${lease.pid} on ${lease.host} since ${lease.acquiredAt}`
}

export class LeaseStore {
  constructor(
    private readonly db: Database,
    private readonly lockTable: string,
  ) {}

  /** The lease, if one is held; `undefined` also when the lease table does not exist yet. */
  current(): Lease | undefined {
    const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(this.lockTable.slice(1, -1))
    if (!exists) return undefined
    return plainRow(
      this.db
        .prepare(
          `SELECT owner, pid, host, migration, acquired_at AS acquiredAt, expires_at AS expiresAt, identity FROM ${this.lockTable} WHERE id = 1`,
        )
        .get() as Lease | undefined,
    )
  }

  /** Writes the lease; call inside a write transaction after checking `current()`. */
  take(owner: string, migration: string, ttlMs: number, now = new Date()): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO ${this.lockTable} (id, owner, pid, host, migration, acquired_at, expires_at, identity) VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        owner,
        process.pid,
        hostname(),
        migration,
        now.toISOString(),
        new Date(now.getTime() + ttlMs).toISOString(),
        formatIdentity(ownIdentity()),
      )
  }

  release(owner?: string): boolean {
    const result =
      owner === undefined
        ? this.db.prepare(`DELETE FROM ${this.lockTable} WHERE id = 1`).run()
        : this.db.prepare(`DELETE FROM ${this.lockTable} WHERE id = 1 AND owner = ?`).run(owner)
    return result.changes > 0
  }
}
