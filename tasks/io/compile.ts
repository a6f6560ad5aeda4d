/**
 * Compiles migration sources to CommonJS with gulp-typescript, incrementally and atomically.
 *
 * - Only sources whose checksum differs from the compile manifest (or whose output is missing) are compiled,
 *   and they are still fully type-checked. When nothing changed, TypeScript is never loaded.
 * - A type or syntax error fails with `file:line:col - error TSnnnn: message` and writes nothing
 *   (`noEmitOnError`). gulp-typescript's own stream error is swallowed by gulp 5's streamx `pipe()`
 *   (gulpjs/gulp#2812), so diagnostics are collected through a reporter instead.
 * - Output whose source was deleted is removed, so a stale `.js` never runs.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import type Vinyl from 'vinyl'
import type * as GulpTs from 'gulp-typescript'
import type * as TypeScript from 'typescript'
import { migrationChecksum } from '../core/checksum'
import { isCompiledMigrationFile, migrationId } from '../core/migration-name'
import { MigrateError } from '../errors'
import { writeFileAtomic } from './atomic-write'
import { readManifest, writeManifest } from './manifest'
import { listSourceFiles, type MigrationFolders } from './migration-files'

/** Used when the migrations folder has no tsconfig.json: CommonJS, strict, no surprises. */
export const DEFAULT_COMPILER_OPTIONS = {
  target: 'ES2022',
  // Without `lib`, ES2022 brings the DOM declarations (lib.dom.d.ts, ~1.4 MB) that migrations never use.
  lib: ['ES2022'] as string[],
  module: 'commonjs',
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
} as const

/** Options gulp-sqlite-migrate always sets: CommonJS output, and nothing written when anything has an error. */
const FORCED_SETTINGS = { noEmitOnError: true, module: 'commonjs', isolatedModules: false, declaration: false } as const

export interface CompileOptions extends MigrationFolders {
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
  readonly durationMs: number
}

export interface Diagnostic {
  readonly file?: string
  readonly line?: number
  readonly column?: number
  readonly code: number
  readonly message: string
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}:${d.column}` : ''} - ` : ''
  return `${where}error TS${d.code}: ${d.message}`
}

type Project = GulpTs.Project
const projects = new Map<string, Project>()

function tsconfigPath(options: CompileOptions): string | undefined {
  if (options.tsconfig) return resolve(options.tsconfig)
  const candidate = resolve(options.sourceDir, 'tsconfig.json')
  return existsSync(candidate) ? candidate : undefined
}

/** Changes when anything that shapes the output changes: the tsconfig, TypeScript's version, this format. */
function compilerKey(tsconfig: string | undefined): string {
  const hash = createHash('sha256').update('gulp-sqlite-migrate compile v1\n')
  hash.update(tsconfig ? readFileSync(tsconfig) : JSON.stringify(DEFAULT_COMPILER_OPTIONS))
  try {
    hash.update(JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')).version as string)
  } catch {
    hash.update('typescript?')
  }
  return hash.digest('hex').slice(0, 16)
}

/**
 * TypeScript with a compiler host that keeps parsed declaration and library files between compilations.
 * gulp-typescript re-reads and re-parses every `lib.*.d.ts` and `@types` file on each compile ("TODO: Cache
 * lib.d.ts files between compilations", lib/host.ts); with the parsed files kept, a one-file rebuild in watch
 * mode takes tens of milliseconds instead of about a second. Files are re-parsed when their mtime or size changes.
 * It is handed to gulp-typescript through its documented `typescript` setting.
 */
function cachingTypeScript(ts: typeof TypeScript): typeof TypeScript {
  const cache = new Map<string, { mtimeMs: number; size: number; target: string; file: TypeScript.SourceFile }>()
  // What shapes a parsed file: the language version and module format (the rest of the options object is bookkeeping).
  const targetKey = (target: TypeScript.ScriptTarget | TypeScript.CreateSourceFileOptions) =>
    typeof target === 'object' ? `${target.languageVersion}/${target.impliedNodeFormat}/${target.jsDocParsingMode}` : String(target)
  const createCompilerHost: typeof ts.createCompilerHost = (options, setParentNodes) => {
    const host = ts.createCompilerHost(options, setParentNodes)
    const getSourceFile = host.getSourceFile.bind(host)
    host.getSourceFile = (fileName, target, onError, shouldCreate) => {
      let stats: { mtimeMs: number; size: number } | undefined
      try {
        stats = statSync(fileName)
      } catch {
        return getSourceFile(fileName, target, onError, shouldCreate)
      }
      const hit = cache.get(fileName)
      if (hit && hit.mtimeMs === stats.mtimeMs && hit.size === stats.size && hit.target === targetKey(target)) return hit.file
      const file = getSourceFile(fileName, target, onError, shouldCreate)
      if (file) cache.set(fileName, { mtimeMs: stats.mtimeMs, size: stats.size, target: targetKey(target), file })
      return file
    }
    return host
  }
  return Object.create(ts, { createCompilerHost: { value: createCompilerHost } }) as typeof TypeScript
}

/**
 * One gulp-typescript project per configuration, source folder and process, reused so watch-mode rebuilds are
 * incremental. (gulp-typescript fixes a project's rootDir to the folder of its first compile, so a project is
 * never shared between folders.)
 */
function projectFor(tsconfig: string | undefined, sourceDir: string): Project {
  const key = `${tsconfig ?? '<defaults>'}\0${sourceDir}`
  let project = projects.get(key)
  if (!project) {
    // Loaded on first use: requiring gulp-typescript loads TypeScript (about 0.3 s).
    const gulpTs = require('gulp-typescript') as typeof GulpTs
    const typescript = require('typescript') as typeof TypeScript
    if (tsconfig) assertValidTsconfig(typescript, tsconfig)
    const settings = { ...FORCED_SETTINGS, typescript: cachingTypeScript(typescript) }
    project = tsconfig ? gulpTs.createProject(tsconfig, settings) : gulpTs.createProject({ ...DEFAULT_COMPILER_OPTIONS, ...settings })
    projects.set(key, project)
  }
  return project
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

/**
 * gulp-typescript prints a broken tsconfig's errors and compiles with its defaults instead; a wrong module
 * format or target would then be applied. Read it with TypeScript first and refuse it, naming file and line.
 */
function assertValidTsconfig(ts: typeof TypeScript, tsconfig: string): void {
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile)
  const errors = read.error
    ? [read.error]
    : ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig), undefined, tsconfig).errors.filter((d) => d.code !== 18003)
  if (errors.length === 0) return
  const describe = (d: TypeScript.Diagnostic) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
    const where = at ? `${relative(process.cwd(), tsconfig)}:${at.line + 1}:${at.character + 1}` : relative(process.cwd(), tsconfig)
    return `${where} - error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\.$/, '')}`
  }
  throw new MigrateError({ kind: 'tsconfig-invalid', file: relative(process.cwd(), tsconfig), diagnostics: errors.map(describe) })
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

export async function compileMigrations(options: CompileOptions): Promise<CompileResult> {
  const started = performance.now()
  const sourceDir = resolve(options.sourceDir)
  const distDir = resolve(options.distDir)
  const sources = listSourceFiles(sourceDir)
  if (sources.length === 0) {
    throw new MigrateError({ kind: 'no-migrations', folder: relative(process.cwd(), sourceDir) || sourceDir })
  }
  const tsconfig = tsconfigPath(options)
  const key = compilerKey(tsconfig)
  const manifest = readManifest(distDir)
  const known = manifest?.compilerKey === key ? manifest.migrations : {}

  // A source whose stat identity matches the manifest keeps its recorded checksum: a no-op run only stats files.
  if (existsSync(distDir) && !statSync(distDir).isDirectory())
    throw new MigrateError({
      kind: 'output-unwritable',
      folder: relative(process.cwd(), distDir) || distDir,
      cause: 'it is a file, not a folder',
    })
  const compiledFiles = new Set(existsSync(distDir) ? readdirSync(distDir) : [])
  const contents = new Map<string, Buffer>()
  const checksums = new Map<string, string>()
  const stats = new Map<string, readonly number[]>()
  const same = (a: readonly number[] | undefined, b: readonly number[]) =>
    a !== undefined && a.length === b.length && a.every((v, i) => v === b[i])
  for (const file of sources) {
    const id = migrationId(file)
    const path = join(sourceDir, file)
    const { mtimeMs, size, ctimeMs, ino } = statSync(path)
    const identity = [mtimeMs, size, ctimeMs, ino]
    stats.set(id, identity)
    if (known[id] !== undefined && same(manifest?.stats?.[id], identity) && compiledFiles.has(`${id}.js`)) {
      checksums.set(id, known[id])
    } else {
      const text = readFileSync(path)
      contents.set(id, text)
      checksums.set(id, migrationChecksum(text))
    }
  }
  const changed = [...checksums].filter(([id, checksum]) => known[id] !== checksum || !compiledFiles.has(`${id}.js`)).map(([id]) => id)
  const removed = removeStaleOutput(distDir, compiledFiles, new Set(checksums.keys()))

  if (changed.length > 0) {
    const VinylFile = require('vinyl') as typeof Vinyl // only needed when something is compiled
    const inputs = changed.map(
      (id) => new VinylFile({ cwd: process.cwd(), base: sourceDir, path: join(sourceDir, `${id}.ts`), contents: contents.get(id) }),
    )
    for (const output of await compileVinyl(inputs, tsconfig)) writeOutput(distDir, output.relative, output.contents as Buffer)
  }

  const statsChanged = [...stats].some(([id, identity]) => !same(manifest?.stats?.[id], identity))
  if (changed.length > 0 || removed.length > 0 || statsChanged || manifest?.compilerKey !== key) {
    writeManifest(distDir, { version: 1, compilerKey: key, migrations: Object.fromEntries(checksums), stats: Object.fromEntries(stats) })
  }
  return { compiled: changed, removed, unchanged: sources.length - changed.length, durationMs: performance.now() - started }
}

/**
 * Compiles TypeScript Vinyl files with the cached gulp-typescript project for `tsconfig` and returns the `.js`
 * outputs. Throws a `MigrateError` listing every diagnostic as `file:line:col - error TSnnnn: message`;
 * nothing is returned then (`noEmitOnError`).
 */
export async function compileVinyl(files: readonly Vinyl[], tsconfig: string | undefined): Promise<Vinyl[]> {
  const diagnostics: Diagnostic[] = []
  const outputs: Vinyl[] = []
  await new Promise<void>((resolvePromise) => {
    const stream = projectFor(
      tsconfig,
      files[0]?.base ?? process.cwd(),
    )({
      error(error, typescript) {
        const d = error.diagnostic
        diagnostics.push({
          file: error.relativeFilename ?? (error.fullFilename ? relative(process.cwd(), error.fullFilename) : undefined),
          line: error.startPosition ? error.startPosition.line + 1 : undefined, // gulp-typescript's positions are 0-based
          column: error.startPosition ? error.startPosition.character + 1 : undefined,
          code: d.code,
          message: typescript.flattenDiagnosticMessageText(d.messageText, '\n    '),
        })
      },
    })
    stream.on('data', (file: Vinyl) => outputs.push(file))
    stream.on('error', () => undefined) // reported through the reporter above (gulpjs/gulp#2812 would swallow it anyway)
    stream.on('end', () => resolvePromise())
    for (const file of files) stream.write(file as unknown as Buffer) // an object-mode stream of Vinyl files, typed as a byte stream
    stream.end()
  })
  if (diagnostics.length > 0) {
    throw new MigrateError({ kind: 'compile-failed', diagnostics: diagnostics.map(formatDiagnostic) })
  }
  return outputs.filter((file) => file.extname === '.js' && file.isBuffer())
}

/** Writes `dist/package.json` = `{"type":"commonjs"}` so the compiled files load as CommonJS even in a `"type": "module"` package. */
export function writeCommonJsMarker(distDir: string): void {
  writeOutput(distDir, 'package.json', '{"type":"commonjs"}\n')
}
