/**
 * Who a process is, beyond its pid: the boot it runs in, its pid namespace and its start time. Two
 * containers can share a host name and reuse each other's pids; a pid is only evidence about a process in
 * the same boot and pid namespace, and only while its start time matches. Linux only (from /proc); elsewhere
 * there is no identity, and leases are judged by their expiry alone.
 */
import { readFileSync, readlinkSync } from 'node:fs'

export interface ProcessIdentity {
  /** Boot id and pid namespace: processes with the same scope see the same pids. */
  readonly scope: string
  /** Start time of the process in clock ticks since boot (field 22 of /proc/PID/stat). */
  readonly start: string
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] // fields after "(comm)" start at field 3
  } catch {
    return undefined
  }
}

let own: ProcessIdentity | undefined | null = null

/** This process's identity, or `undefined` where /proc does not tell. */
export function ownIdentity(): ProcessIdentity | undefined {
  if (own !== null) return own
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const namespace = readlinkSync('/proc/self/ns/pid')
    const start = startTime(process.pid)
    own = start ? { scope: `${boot}/${namespace}`, start } : undefined
  } catch {
    own = undefined
  }
  return own
}

/** `scope start` as stored with a lease. */
export function formatIdentity(identity: ProcessIdentity | undefined): string | null {
  return identity ? `${identity.scope} ${identity.start}` : null
}

/**
 * Whether the process `pid` that wrote `stored` is certainly gone: only when it ran in this boot and pid
 * namespace and no process with that pid and start time exists. `undefined` when that cannot be known.
 */
export function certainlyGone(pid: number, stored: string | null | undefined, isAlive: (pid: number) => boolean): boolean | undefined {
  const mine = ownIdentity()
  if (!stored || !mine) return undefined
  const [scope, start] = stored.split(' ')
  if (scope !== mine.scope) return undefined
  if (!isAlive(pid)) return true
  const current = startTime(pid)
  return current !== undefined && current !== start
}
