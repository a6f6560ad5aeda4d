/** Finding compiled migrations on disk and loading them. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
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

/** Modules loaded in this process, by file and what they were compiled from: a run over many databases loads each once. */
const loadedModules = new Map<string, { readonly key: string; readonly module: Migration }>()

/**
 * Loads a compiled migration and checks its shape before any of it runs. A file loaded before and not compiled
 * again since (same output file, same source and helper checksums) is not read again; anything else is loaded
 * fresh, with every helper beside it, so a long-running watch process never runs an old module or an old helper.
 */
export function loadMigration(migration: CompiledMigration): Migration {
  const path = resolve(migration.file) // relative to the working directory, not to this module
  let key: string | undefined
  try {
    const { mtimeMs, size } = statSync(path)
    key = `${mtimeMs}|${size}|${migration.checksum}|${JSON.stringify(migration.helpers ?? {})}`
  } catch {
    // require() below says what is wrong with the file
  }
  const known = loadedModules.get(path)
  if (key !== undefined && known?.key === key) return known.module
  const module = checkedModule(migration, requireFresh(migration, path))
  if (key !== undefined) loadedModules.set(path, { key, module })
  return module
}

function requireFresh(migration: CompiledMigration, path: string): unknown {
  try {
    const folder = dirname(path) + sep
    for (const cached of Object.keys(require.cache)) if (cached.startsWith(folder)) delete require.cache[cached]
    return require(path)
  } catch (error) {
    throw new MigrateError({ kind: 'module-load-failed', file: migration.source, cause: describeThrown(error) }, { cause: error })
  }
}

function checkedModule(migration: CompiledMigration, loaded: unknown): Migration {
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
