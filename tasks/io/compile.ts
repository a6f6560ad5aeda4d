/**
 * Compiles migration sources to CommonJS, incrementally and atomically, with one of two engines
 * (`compile-engine.ts`: gulp-typescript on TypeScript 5 and 6, or `tsc`, the only one for TypeScript 7).
 *
 * - Only sources whose checksum differs from the compile manifest (or whose output is missing) are compiled,
 *   and they are still fully type-checked. When nothing changed, no compiler is loaded or started. This is
 *   decided here, the same for both engines.
 * - A type or syntax error fails with `file:line:col - error TSnnnn: message` and writes nothing
 *   (`noEmitOnError`).
 * - Outputs are written one by one with an atomic rename; output whose source was deleted is removed, so a
 *   stale `.js` never runs.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import type Vinyl from 'vinyl'
import { migrationChecksum } from '../core/checksum'
import { isCompiledMigrationFile, isSqlSource, migrationId } from '../core/migration-name'
import { MigrateError } from '../errors'
import { writeFileAtomic } from './atomic-write'
import {
  chooseCompiler,
  DEFAULT_COMPILER_OPTIONS,
  findTypeScript,
  resolveTypeScript,
  typeScriptMissing,
  type CompileEngine,
  type CompileJob,
  type CompiledFile,
  type CompilerChoice,
  type TypeScriptPackage,
} from './compile-engine'
import { gulpTypeScriptEngine } from './compile-gulp-typescript'
import { tscEngine } from './compile-tsc'
import { readManifest, writeManifest, type Manifest } from './manifest'
import { listSourceFiles, type MigrationFolders } from './migration-files'
import { describeStray } from '../core/folder-contents'
import { helperSources, listStrayFiles } from './helpers'
import { translateSql, typeScriptSqlDiagnostics, type SqlNote } from './sql-source'

export { DEFAULT_COMPILER_OPTIONS, formatDiagnostic, type CompilerChoice, type CompilerName, type Diagnostic } from './compile-engine'

export interface CompileOptions extends MigrationFolders, CompilerChoice {
  /** tsconfig for the migrations. Default: `<sourceDir>/tsconfig.json` when it exists, else {@link DEFAULT_COMPILER_OPTIONS}. */
  readonly tsconfig?: string
}

export interface CompileResult {
  /** Ids compiled in this run. */
  readonly compiled: readonly string[]
  /** Compiled files removed because their source is gone. */
  readonly removed: readonly string[]
  /** Sources that were already compiled and unchanged. */
  readonly unchanged: number
  /** Files of the folder that are not migrations, nor helpers, nor companions: never compiled or applied. */
  readonly stray: readonly string[]
  /** Helpers (`.ts` files the migrations import, relative to the folder) compiled in this run. */
  readonly helpers: readonly string[]
  /** What was translated in the `.sql` migrations compiled in this run (a BEGIN … COMMIT wrapper dropped, ...). */
  readonly notes: readonly SqlNote[]
  readonly durationMs: number
}

const ENGINES: Record<CompileEngine['name'], CompileEngine> = { 'gulp-typescript': gulpTypeScriptEngine, tsc: tscEngine }

/** The TypeScript and engine for `choice` (see {@link CompilerChoice}); resolving them loads neither. */
export function selectCompiler(choice: CompilerChoice = {}): { typescript: TypeScriptPackage; engine: CompileEngine } {
  const typescript = resolveTypeScript(choice.typescript)
  return { typescript, engine: ENGINES[chooseCompiler(typescript, choice.compiler)] }
}

function tsconfigPath(options: CompileOptions): string | undefined {
  if (options.tsconfig) return resolve(options.tsconfig)
  const candidate = resolve(options.sourceDir, 'tsconfig.json')
  return existsSync(candidate) ? candidate : undefined
}

/** Changes when anything that shapes the output changes: the tsconfig, the compiler (engine and TypeScript version), this format. */
function compilerKey(tsconfig: string | undefined, compiler: string): string {
  const hash = createHash('sha256').update('gulp-sqlite-migrate compile v1\n')
  hash.update(tsconfig ? readFileSync(tsconfig) : JSON.stringify(DEFAULT_COMPILER_OPTIONS))
  hash.update(`\n${compiler}`)
  return hash.digest('hex').slice(0, 16)
}

/**
 * The compiler of this run, named `<engine> <TypeScript version>`. With no TypeScript installed, the one that
 * compiled the output folder (so an up-to-date folder passes; `engine` is then undefined and a compile fails).
 */
function compilerFor(
  choice: CompilerChoice,
  recorded: string | undefined,
): { name: string; typescript?: TypeScriptPackage; engine?: CompileEngine } {
  const typescript = findTypeScript(choice.typescript)
  if (!typescript) return { name: recorded ?? 'no TypeScript' }
  const engine = ENGINES[chooseCompiler(typescript, choice.compiler)]
  return { name: `${engine.name} ${typescript.version}`, typescript, engine }
}

/** Writes one output file atomically; a folder that cannot be written is one clear error. */
function writeOutput(distDir: string, name: string, contents: string | Buffer): void {
  try {
    writeFileAtomic(join(distDir, name), contents)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS' && code !== 'ENOTDIR' && code !== 'ENOSPC') throw error
    throw new MigrateError(
      { kind: 'output-unwritable', folder: relative(process.cwd(), distDir) || distDir, cause: code },
      { cause: error },
    )
  }
}

/** Removes compiled output (`.js`, `.js.map`, `.d.ts`) whose source is gone; `entries` is the listing of `distDir`. */
function removeStaleOutput(distDir: string, entries: Iterable<string>, sourceIds: ReadonlySet<string>): string[] {
  const removed: string[] = []
  for (const entry of entries) {
    const base = entry.replace(/\.(?:js\.map|d\.ts|js)$/, '')
    if (base === entry || !/^\d{3,}_/.test(entry)) continue
    if (!sourceIds.has(base)) {
      rmSync(join(distDir, entry), { force: true })
      if (isCompiledMigrationFile(entry)) removed.push(base)
    }
  }
  return removed
}

function assertOutputFolder(distDir: string): void {
  if (existsSync(distDir) && !statSync(distDir).isDirectory())
    throw new MigrateError({
      kind: 'output-unwritable',
      folder: relative(process.cwd(), distDir) || distDir,
      cause: 'it is a file, not a folder',
    })
}

const sameStats = (a: readonly number[] | undefined, b: readonly number[]) =>
  a !== undefined && a.length === b.length && a.every((v, i) => v === b[i])

/**
 * The checksum and stat identity of every source. A source whose stat identity matches the manifest keeps its
 * recorded checksum: a no-op run only stats files. The ones read are kept in `contents` for the compile.
 */
function readSources(
  sourceDir: string,
  sources: readonly string[],
  known: Readonly<Record<string, string>>,
  manifest: Manifest | undefined,
  compiledFiles: ReadonlySet<string>,
) {
  const contents = new Map<string, Buffer>()
  const checksums = new Map<string, string>()
  const stats = new Map<string, readonly number[]>()
  for (const file of sources) {
    const id = migrationId(file)
    const path = join(sourceDir, file)
    const { mtimeMs, size, ctimeMs, ino } = statSync(path)
    const identity = [mtimeMs, size, ctimeMs, ino]
    stats.set(id, identity)
    if (known[id] !== undefined && sameStats(manifest?.stats?.[id], identity) && compiledFiles.has(`${id}.js`)) {
      checksums.set(id, known[id])
    } else {
      const text = readFileSync(path)
      contents.set(id, text)
      checksums.set(id, migrationChecksum(text))
    }
  }
  return { contents, checksums, stats }
}

export async function compileMigrations(options: CompileOptions): Promise<CompileResult> {
  const started = performance.now()
  const sourceDir = resolve(options.sourceDir)
  const distDir = resolve(options.distDir)
  const sources = listSourceFiles(sourceDir)
  const folder = relative(process.cwd(), sourceDir) || sourceDir
  if (sources.length === 0) {
    const stray = listStrayFiles(sourceDir, distDir).map((s) => describeStray(s, folder))
    throw new MigrateError({ kind: 'no-migrations', folder, ...(stray.length > 0 ? { stray } : {}) })
  }
  const tsconfig = tsconfigPath(options)
  const manifest = readManifest(distDir)
  const compiler = compilerFor(options, manifest?.compiler)
  const key = compilerKey(tsconfig, compiler.name)
  const known = manifest?.compilerKey === key ? manifest.migrations : {}

  assertOutputFolder(distDir)
  const compiledFiles = new Set(existsSync(distDir) ? readdirSync(distDir) : [])
  const { contents, checksums, stats } = readSources(sourceDir, sources, known, manifest, compiledFiles)
  const helpers = helperSources(sourceDir, distDir, sources, manifest?.compilerKey === key ? (manifest.helpers ?? {}) : {})
  const changed = [...checksums]
    .filter(([id, checksum]) => known[id] !== checksum || !compiledFiles.has(`${id}.js`) || helpers.dependents.includes(id))
    .map(([id]) => id)
  const removed = removeStaleOutput(distDir, compiledFiles, new Set(checksums.keys()))

  const fileOf = new Map(sources.map((file) => [migrationId(file), file]))
  const changedSql = changed.filter((id) => isSqlSource(fileOf.get(id) as string))
  const changedTs = changed.filter((id) => !changedSql.includes(id))
  for (const id of changedTs) if (!contents.has(id)) contents.set(id, readFileSync(join(sourceDir, fileOf.get(id) as string)))
  const sql = translateSql(
    changedSql.map((id) => ({ path: join(sourceDir, fileOf.get(id) as string), contents: contents.get(id) as Buffer })),
  )
  const outputs = [...sql.outputs]
  const tsSources = changedTs.map((id) => ({ path: join(sourceDir, fileOf.get(id) as string), contents: contents.get(id) as Buffer }))
  const diagnostics = [...sql.diagnostics, ...typeScriptSqlDiagnostics(tsSources)]
  if (changedTs.length > 0 || helpers.changed.length > 0) {
    const { typescript, engine } = compiler
    if (!typescript || !engine) throw typeScriptMissing(options.typescript)
    const job: CompileJob = {
      sources: [
        ...tsSources,
        ...helpers.changed.map((helper) => ({ path: join(sourceDir, helper), contents: helpers.contents.get(helper) as Buffer })),
      ],
      rootDir: sourceDir,
      tsconfig,
      typescript,
      buildInfoDir: distDir,
    }
    outputs.push(...(await compileOrCollect(engine, job, diagnostics)))
  }
  if (diagnostics.length > 0) throw new MigrateError({ kind: 'compile-failed', diagnostics })
  for (const output of outputs) writeOutput(distDir, output.relative, output.contents)

  const statsChanged = [...stats].some(([id, identity]) => !sameStats(manifest?.stats?.[id], identity))
  const usesChanged = JSON.stringify(Object.fromEntries(helpers.uses)) !== JSON.stringify(manifest?.uses ?? {})
  if (
    changed.length > 0 ||
    helpers.changed.length > 0 ||
    removed.length > 0 ||
    statsChanged ||
    usesChanged ||
    manifest?.compilerKey !== key
  ) {
    writeManifest(distDir, {
      version: 1,
      compilerKey: key,
      compiler: compiler.name,
      migrations: Object.fromEntries(checksums),
      stats: Object.fromEntries(stats),
      ...(helpers.checksums.size > 0 ? { helpers: Object.fromEntries(helpers.checksums), uses: Object.fromEntries(helpers.uses) } : {}),
    })
  }
  return {
    compiled: changed,
    removed,
    unchanged: sources.length - changed.length,
    helpers: helpers.changed,
    stray: listStrayFiles(sourceDir, distDir, helpers.all).map((s) => describeStray(s, folder)),
    notes: sql.notes,
    durationMs: performance.now() - started,
  }
}

/** Runs the engine; its type errors join the SQL problems found before, so one run reports them all. */
async function compileOrCollect(engine: CompileEngine, job: CompileJob, sqlDiagnostics: readonly string[]): Promise<CompiledFile[]> {
  try {
    return await engine.compile(job)
  } catch (error) {
    if (sqlDiagnostics.length === 0 || !(error instanceof MigrateError) || error.problem.kind !== 'compile-failed') throw error
    throw new MigrateError({ kind: 'compile-failed', diagnostics: [...error.problem.diagnostics, ...sqlDiagnostics] }, { cause: error })
  }
}

/**
 * Compiles TypeScript and `.sql` Vinyl files (the `compile()` plugin) and returns the `.js` outputs, named like their
 * sources relative to the first file's base. Throws a `MigrateError` listing every diagnostic as
 * `file:line:col - error TSnnnn: message`; nothing is returned then (`noEmitOnError`). Without `tsconfig`, the
 * built-in CommonJS settings are used.
 */
export async function compileVinyl(files: readonly Vinyl[], tsconfig: string | undefined, choice: CompilerChoice = {}): Promise<Vinyl[]> {
  if (files.length === 0) return []
  const { base, cwd } = files[0]
  const sources = files.map((file) => ({ path: file.path, contents: file.contents as Buffer }))
  const sql = translateSql(sources.filter((s) => s.path.endsWith('.sql')))
  const outputs = [...sql.outputs]
  const typescriptSources = sources.filter((s) => !s.path.endsWith('.sql'))
  const diagnostics = [...sql.diagnostics, ...typeScriptSqlDiagnostics(typescriptSources)]
  if (typescriptSources.length > 0) {
    const { typescript, engine } = selectCompiler(choice)
    const job = { sources: typescriptSources, rootDir: base, tsconfig: tsconfig && resolve(tsconfig), typescript }
    outputs.push(...(await compileOrCollect(engine, job, diagnostics)))
  }
  if (diagnostics.length > 0) throw new MigrateError({ kind: 'compile-failed', diagnostics })
  const VinylFile = require('vinyl') as typeof Vinyl // only needed when something is compiled
  return outputs.map((output) => new VinylFile({ cwd, base, path: join(base, output.relative), contents: output.contents }))
}

/** Writes `dist/package.json` = `{"type":"commonjs"}` so the compiled files load as CommonJS even in a `"type": "module"` package. */
export function writeCommonJsMarker(distDir: string): void {
  writeOutput(distDir, 'package.json', '{"type":"commonjs"}\n')
}
