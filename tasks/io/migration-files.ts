/** Finding compiled migrations on disk and loading them. */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { AvailableMigration } from '../core/plan'
import { migrationChecksum } from '../core/checksum'
import {
  findCaseCollisions,
  isCompiledMigrationFile,
  isSourceMigrationFile,
  migrationId,
  compareMigrationIds,
} from '../core/migration-name'
import { MigrateError, describeThrown } from '../errors'
import type { Migration } from '../types'
import { readManifest } from './manifest'

export interface CompiledMigration extends AvailableMigration {
  /** Absolute path of the compiled `.js`. */
  readonly file: string
  /** Path of the source, relative to the working directory, for messages. */
  readonly source: string
  /** The helpers it imports (path relative to the migrations folder → checksum of the version compiled). */
  readonly helpers?: Readonly<Record<string, string>>
}

export interface MigrationFolders {
  /** Where the `.ts` and `.sql` sources live. */
  readonly sourceDir: string
  /** Where the compiled `.js` files live. */
  readonly distDir: string
}

function readDirectory(dir: string, role: 'migrations' | 'compiled migrations'): string[] {
  try {
    return readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'missing' : code === 'ENOTDIR' ? 'not-a-folder' : 'unreadable'
    throw new MigrateError(
      { kind: 'migrations-folder', folder: relative(process.cwd(), dir) || dir, role, reason, cause: describeThrown(error) },
      { cause: error },
    )
  }
}

/** The `.ts` and `.sql` sources, in order; refuses ids that differ only by case or by extension. */
export function listSourceFiles(sourceDir: string): string[] {
  const entries = readDirectory(sourceDir, 'migrations')
  const sources = entries.filter(isSourceMigrationFile)
  const lookalikes = entries.filter(
    (f) => /^\d{3,}_.*\.(?:[cm]?js|[cm]ts)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.d.mts') && !f.endsWith('.d.cts'),
  )
  const ids = [...sources, ...lookalikes].map(migrationId)
  const seen = new Set<string>()
  const sameId = ids.filter((id) => seen.has(id) || !seen.add(id))
  const collisions = [...findCaseCollisions([...new Set(ids)]), ...[...new Set(sameId)].map((id) => [id])]
  if (collisions.length > 0) {
    const groups = collisions.map((group) => entries.filter((f) => group.includes(migrationId(f))))
    throw new MigrateError({ kind: 'duplicate-migration', groups, scope: 'sources' })
  }
  return sources.sort((a, b) => compareMigrationIds(migrationId(a), migrationId(b)))
}

export interface SourceMigration extends AvailableMigration {
  readonly checksum: string
  /** Path relative to the working directory, for messages. */
  readonly source: string
}

/** The `.ts` and `.sql` sources with their checksums, in order: what the next compile will produce. */
export function listSourceMigrations(sourceDir: string): SourceMigration[] {
  return listSourceFiles(sourceDir).map((fileName) => {
    const path = join(sourceDir, fileName)
    return { id: migrationId(fileName), checksum: migrationChecksum(readFileSync(path)), source: relative(process.cwd(), path) }
  })
}

/**
 * The compiled migrations in `distDir` (files matching `^\d{3,}_.*\.js$`), ordered, with the checksum of the
 * source each was compiled from. A compiled file that the compile manifest does not list has no source: it is
 * refused rather than run.
 */
export function listCompiledMigrations(folders: MigrationFolders): CompiledMigration[] {
  const files = readDirectory(folders.distDir, 'compiled migrations').filter(isCompiledMigrationFile)
  const manifest = readManifest(folders.distDir)
  const sourceFiles = sourceFileNames(folders.sourceDir)
  const migrations = files.map((fileName): CompiledMigration => {
    const id = migrationId(fileName)
    const sourcePath = join(folders.sourceDir, sourceFiles.get(id) ?? `${id}.ts`)
    let checksum: string | null
    if (manifest) {
      const recorded = manifest.migrations[id]
      if (recorded === undefined) {
        throw new MigrateError({
          kind: 'stale-output',
          file: relative(process.cwd(), join(folders.distDir, fileName)),
          reason: 'not-in-manifest',
        })
      }
      checksum = recorded
    } else {
      // No manifest (a `COPY *.js` that dropped the dotfile, a hand-copied folder): only files whose source
      // is here run; anything else is output of a deleted or unknown source and is refused, never run.
      try {
        checksum = migrationChecksum(readFileSync(sourcePath))
      } catch {
        throw new MigrateError({
          kind: 'stale-output',
          file: relative(process.cwd(), join(folders.distDir, fileName)),
          reason: 'no-source-file',
        })
      }
    }
    const uses = manifest?.uses?.[id]
    const helpers = uses && Object.fromEntries(uses.map((helper) => [helper, manifest?.helpers?.[helper] ?? '']))
    return {
      id,
      checksum,
      file: resolve(folders.distDir, fileName),
      source: relative(process.cwd(), sourcePath),
      ...(helpers ? { helpers } : {}),
    }
  })
  const collisions = findCaseCollisions(migrations.map((m) => m.id))
  if (collisions.length > 0) {
    throw new MigrateError({ kind: 'duplicate-migration', groups: collisions, scope: 'compiled' })
  }
  return migrations.sort((a, b) => compareMigrationIds(a.id, b.id))
}

/** id → source file name (`.ts` or `.sql`) of the migrations in `sourceDir`; empty when there is no such folder. */
function sourceFileNames(sourceDir: string): Map<string, string> {
  let entries: string[]
  try {
    entries = readdirSync(sourceDir)
  } catch {
    return new Map() // a deploy of the output folder alone: the manifest knows the checksums
  }
  return new Map(entries.filter(isSourceMigrationFile).map((file) => [migrationId(file), file]))
}

/**
 * Loads a compiled migration fresh (a long-running watch process would otherwise get the old module, or an old
 * helper, from `require`'s cache) and checks its shape before any of it runs.
 */
export function loadMigration(migration: CompiledMigration): Migration {
  let loaded: unknown
  try {
    const path = resolve(migration.file) // relative to the working directory, not to this module
    // The migration and every helper compiled beside it: a helper edited in a watch session must be read again too.
    const folder = dirname(path) + sep
    for (const key of Object.keys(require.cache)) if (key.startsWith(folder)) delete require.cache[key]
    loaded = require(path)
  } catch (error) {
    throw new MigrateError({ kind: 'module-load-failed', file: migration.source, cause: describeThrown(error) }, { cause: error })
  }
  const exported = loaded as Partial<Migration> & { default?: Partial<Migration> }
  const module = typeof exported.up !== 'function' && exported.default && typeof exported.default === 'object' ? exported.default : exported
  const problems: string[] = []
  if (typeof module.up !== 'function')
    problems.push(`it must export a function \`up(db)\` (found ${module.up === undefined ? 'none' : typeof module.up})`)
  if (module.down !== undefined && typeof module.down !== 'function') problems.push('`down` must be a function')
  if (module.transaction !== undefined && typeof module.transaction !== 'boolean') problems.push('`transaction` must be true or false')
  if (module.foreignKeys !== undefined && typeof module.foreignKeys !== 'boolean') problems.push('`foreignKeys` must be true or false')
  if (module.unsafe !== undefined && typeof module.unsafe !== 'boolean') problems.push('`unsafe` must be true or false')
  if (module.transaction === false && module.foreignKeys === false) {
    problems.push(
      '`foreignKeys = false` needs a transaction (it checks foreign keys before committing); set PRAGMA foreign_keys yourself in a non-transactional migration',
    )
  }
  if (problems.length > 0) {
    throw new MigrateError({ kind: 'invalid-module', file: migration.source, problems })
  }
  return module as Migration
}
