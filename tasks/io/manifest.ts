/**
 * The compile manifest, `dist/.manifest.json`: for each compiled migration, the checksum of the source it
 * was compiled from. The compile step uses it to skip unchanged sources; the run step uses it to know each
 * migration's checksum and to refuse compiled files that no source produced.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-write'

export const MANIFEST_FILE = '.manifest.json'

export interface Manifest {
  readonly version: 1
  /** Hash of the compiler settings, engine and TypeScript version; a different key recompiles everything. */
  readonly compilerKey: string
  /**
   * The engine and TypeScript version that compiled the folder (`tsc 7.0.2`, `gulp-typescript 5.9.3`). Where no
   * TypeScript is installed (a production install without dev dependencies), an up-to-date folder is still
   * accepted under this compiler; only a compile needs TypeScript.
   */
  readonly compiler?: string
  /** id → checksum of the source compiled into `<id>.js`. */
  readonly migrations: Readonly<Record<string, string>>
  /**
   * id → `[mtimeMs, size, ctimeMs, ino]` of the source when its checksum was taken (what git's index
   * compares). A source whose four values are unchanged is not read again, so a no-op run stats its sources
   * instead of hashing them; an edit whose mtime was restored (`touch -r`, some editors, `git stash`) still
   * changes the ctime, so it is never missed.
   */
  readonly stats?: Readonly<Record<string, readonly number[]>>
  /** Helper (a `.ts` file migrations import, relative to the folder) → checksum of the source compiled. */
  readonly helpers?: Readonly<Record<string, string>>
  /** Migration id → the helpers it imports, directly or not (only migrations that import any). */
  readonly uses?: Readonly<Record<string, readonly string[]>>
}

export function readManifest(distDir: string): Manifest | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(distDir, MANIFEST_FILE), 'utf8')) as Manifest
    return parsed.version === 1 && typeof parsed.migrations === 'object' ? parsed : undefined
  } catch {
    return undefined
  }
}

export function writeManifest(distDir: string, manifest: Manifest): void {
  const sortedEntries = <T>(record: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)))
  const sorted = {
    ...manifest,
    migrations: sortedEntries(manifest.migrations),
    ...(manifest.stats ? { stats: sortedEntries(manifest.stats) } : {}),
    ...(manifest.helpers ? { helpers: sortedEntries(manifest.helpers) } : {}),
    ...(manifest.uses ? { uses: sortedEntries(manifest.uses) } : {}),
  }
  writeFileAtomic(join(distDir, MANIFEST_FILE), JSON.stringify(sorted) + '\n')
}
