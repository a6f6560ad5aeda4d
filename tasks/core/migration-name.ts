/**
 * Names and identities of migrations. Pure: no file system, no database.
 *
 * A migration's identity is its file name without the extension, so the `.ts` source, the compiled `.js`
 * and a name recorded by the earlier script-based runner (`20261126120000_add_users.ts`) all match.
 */

/** Compiled migrations: a numeric prefix of three or more digits, an underscore, then anything, `.js`. */
export const COMPILED_MIGRATION_PATTERN = /^\d{3,}_.*\.js$/

/** Migration sources: same shape, `.ts` (declaration files are never migrations) or `.sql`. */
export const SOURCE_MIGRATION_PATTERN = /^\d{3,}_.*\.(?:ts|sql)$/

/** Longest name accepted by `migration:new` (the part after the timestamp). */
export const MAX_NAME_LENGTH = 100

export function isCompiledMigrationFile(fileName: string): boolean {
  return COMPILED_MIGRATION_PATTERN.test(fileName)
}

/** A source migration; never a declaration file, nor half of golang-migrate's `.up.sql` / `.down.sql` pair. */
export function isSourceMigrationFile(fileName: string): boolean {
  return SOURCE_MIGRATION_PATTERN.test(fileName) && !fileName.endsWith('.d.ts') && !/\.(?:up|down)\.sql$/i.test(fileName)
}

/** `20261126120000_add_users.ts` → `20261126120000_add_users`; also strips `.sql`, `.js`, `.cjs`, `.mjs`, `.mts`, `.cts`. */
export function migrationId(fileName: string): string {
  return fileName.replace(/\.(?:(?:d\.)?[cm]?[jt]s|sql)$/, '')
}

/** A `.sql` migration source: compiled by this tool, not by TypeScript. */
export function isSqlSource(fileName: string): boolean {
  return fileName.endsWith('.sql')
}

/** The numeric prefix of an id, as a bigint so that 14-digit timestamps and `001` compare as numbers. */
export function numericPrefix(id: string): bigint {
  const match = /^(\d+)_/.exec(id)
  return match ? BigInt(match[1]) : -1n
}

/** Orders by numeric prefix as a number, then by the whole id: `999_x` < `1000_y` < `20261126120000_z`. */
export function compareMigrationIds(a: string, b: string): number {
  const pa = numericPrefix(a)
  const pb = numericPrefix(b)
  if (pa !== pb) return pa < pb ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

export type NameCheck = { ok: true; name: string } | { ok: false; rule: 'required' | 'too-long' | 'characters' }

/**
 * Checks the name given to `migration:new` and normalises `-` to `_`.
 * Refuses anything that is not snake_case of lowercase letters and digits, which rules out path
 * separators, `..`, dots, spaces and uppercase.
 */
export function checkMigrationName(raw: unknown): NameCheck {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, rule: 'required' }
  const name = raw.replace(/-/g, '_')
  if (name.length > MAX_NAME_LENGTH) return { ok: false, rule: 'too-long' }
  if (!/^[a-z0-9]+(?:_[a-z0-9]+)*$/.test(name)) return { ok: false, rule: 'characters' }
  return { ok: true, name }
}

/** Returns a message for ids that differ only by case (they collide on case-insensitive file systems). */
export function findCaseCollisions(ids: readonly string[]): string[][] {
  const byLower = new Map<string, string[]>()
  for (const id of ids) {
    const key = id.normalize('NFC').toLowerCase() // café (NFC) and café (NFD) are one name to people and to macOS
    byLower.set(key, [...(byLower.get(key) ?? []), id])
  }
  return [...byLower.values()].filter((group) => new Set(group).size > 1)
}
