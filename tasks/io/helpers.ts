/**
 * The helpers of a migrations folder: `.ts` files that are not migrations but that migrations import, directly or
 * through other helpers, in the folder or its subfolders (never the output folder, never outside the folder).
 * They are compiled beside the migrations, so the imports resolve at run time, and are never recorded.
 */
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { migrationChecksum } from '../core/checksum'
import { classifyFolder, type StrayFile } from '../core/folder-contents'
import { importCandidates, relativeImports } from '../core/imports'
import { isSourceMigrationFile, migrationId } from '../core/migration-name'

export interface HelperGraph {
  /** Helpers, as paths relative to the migrations folder with `/` separators, sorted. */
  readonly helpers: readonly string[]
  /** Migration file name → the helpers it uses, directly or not. */
  readonly usedBy: ReadonlyMap<string, readonly string[]>
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile()

export function findHelpers(sourceDir: string, distDir: string, migrations: readonly string[]): HelperGraph {
  const root = resolve(sourceDir)
  const dist = resolve(distDir)
  const inside = (path: string) => path.startsWith(root + sep) && !(path === dist || path.startsWith(dist + sep))
  const importsOf = new Map<string, string[]>() // absolute path → absolute helper paths it imports
  const readImports = (file: string): string[] => {
    const known = importsOf.get(file)
    if (known) return known
    const found: string[] = []
    importsOf.set(file, found)
    for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
      const target = importCandidates(specifier)
        .map((candidate) => resolve(dirname(file), candidate))
        .find((path) => inside(path) && isFile(path))
      if (target && !(dirname(target) === root && isSourceMigrationFile(target.slice(root.length + 1)))) found.push(target)
    }
    return found
  }
  const usedBy = new Map<string, string[]>()
  const all = new Set<string>()
  for (const migration of migrations.filter((m) => m.endsWith('.ts'))) {
    const seen = new Set<string>()
    const queue = [...readImports(join(root, migration))]
    while (queue.length > 0) {
      const helper = queue.pop() as string
      if (seen.has(helper)) continue
      seen.add(helper)
      queue.push(...readImports(helper))
    }
    const names = [...seen].map((path) => relative(root, path).split(sep).join('/')).sort()
    if (names.length > 0) usedBy.set(migration, names)
    for (const name of names) all.add(name)
  }
  return { helpers: [...all].sort(), usedBy }
}

/**
 * Whether the folder can hold helpers at all: a `.ts` file that is not a migration, or a subfolder other than
 * the output folder. Most folders hold only migrations, and then no migration is read to look for imports.
 */
export function mayHaveHelpers(sourceDir: string, distDir: string): boolean {
  const dist = resolve(distDir)
  return readdirSync(sourceDir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory()
      ? resolve(sourceDir, entry.name) !== dist && entry.name !== 'node_modules'
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isSourceMigrationFile(entry.name),
  )
}

export interface HelperSources {
  /** Helper path (relative, `/`) → checksum of its source. */
  readonly checksums: ReadonlyMap<string, string>
  /** Helpers to compile now: new, edited, or without output. */
  readonly changed: readonly string[]
  /** Ids of the migrations that use a changed helper: compiled again so that they are type-checked against it. */
  readonly dependents: readonly string[]
  readonly contents: ReadonlyMap<string, Buffer>
  /** Migration id → the helpers it uses, directly or not. */
  readonly uses: ReadonlyMap<string, readonly string[]>
  /** Every helper (path relative to the folder). */
  readonly all: readonly string[]
}

/** The helpers of `migrations` and which of them need compiling, against the checksums recorded at the last compile. */
export function helperSources(
  sourceDir: string,
  distDir: string,
  migrations: readonly string[],
  recorded: Readonly<Record<string, string>>,
): HelperSources {
  const empty: HelperSources = { checksums: new Map(), changed: [], dependents: [], contents: new Map(), uses: new Map(), all: [] }
  if (!mayHaveHelpers(sourceDir, distDir)) return empty
  const graph = findHelpers(sourceDir, distDir, migrations)
  const contents = new Map(graph.helpers.map((helper) => [helper, readFileSync(join(sourceDir, helper))]))
  const checksums = new Map([...contents].map(([helper, text]) => [helper, migrationChecksum(text)]))
  const changed = graph.helpers.filter(
    (helper) => recorded[helper] !== checksums.get(helper) || !existsSync(join(distDir, helper.replace(/\.ts$/, '.js'))),
  )
  const dependents = [...graph.usedBy]
    .filter(([, helpers]) => helpers.some((helper) => changed.includes(helper)))
    .map(([migration]) => migrationId(migration))
  const uses = new Map([...graph.usedBy].map(([migration, helpers]) => [migrationId(migration), helpers]))
  return { checksums, changed, dependents, contents, uses, all: graph.helpers }
}

/**
 * The files of the migrations folder that are neither migrations, nor helpers, nor companions (see
 * `core/folder-contents.ts`). `helpers`, when the caller found them already (the compile step), saves reading every
 * migration again to find them.
 */
export function listStrayFiles(sourceDir: string, distDir: string, helpers?: readonly string[]): readonly StrayFile[] {
  let entries: Dirent[]
  try {
    entries = readdirSync(sourceDir, { withFileTypes: true })
  } catch {
    return [] // a missing folder is reported by whoever needs the migrations
  }
  const files = entries.filter((e) => e.isFile()).map((e) => e.name)
  const migrations = files.filter(isSourceMigrationFile)
  const known = helpers ?? (mayHaveHelpers(sourceDir, distDir) ? findHelpers(sourceDir, distDir, migrations).helpers : [])
  return classifyFolder(files, new Set(known)).stray
}
