/** UTC timestamps for new migration files (`YYYYMMDDHHMMSS`). Pure. */

export function formatTimestamp(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  )
}

/** Parses a 14-digit UTC timestamp; `undefined` when it is not one (e.g. the `001` of `001_initial`). */
export function parseTimestamp(prefix: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(prefix)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number)
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second))
  return formatTimestamp(date) === prefix ? date : undefined
}

/**
 * The timestamp for a new migration: now, or one second after the newest existing timestamp when that is
 * not earlier (two files created in the same second, or a clock behind the newest file), so a new file
 * always sorts after every existing one.
 */
export function nextTimestamp(now: Date, existingPrefixes: readonly string[]): string {
  let next = new Date(Math.floor(now.getTime() / 1000) * 1000)
  for (const prefix of existingPrefixes) {
    const existing = parseTimestamp(prefix)
    if (existing && existing.getTime() >= next.getTime()) next = new Date(existing.getTime() + 1000)
  }
  return formatTimestamp(next)
}
