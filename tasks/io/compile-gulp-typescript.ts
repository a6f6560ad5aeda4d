/**
 * The `gulp-typescript` engine: gulp-typescript on TypeScript's JavaScript API (TypeScript 5 and 6), in-process.
 *
 * - One gulp-typescript project per configuration, source folder and TypeScript, reused by every compile of the
 *   process, so watch-mode rebuilds are incremental; parsed library files are kept between compiles.
 * - Diagnostics are collected through a reporter: gulp-typescript's own stream error is swallowed by gulp 5's
 *   streamx `pipe()` (gulpjs/gulp#2812). `noEmitOnError`: with any error, nothing is returned.
 * - gulp-typescript is only loaded after the TypeScript it would run was checked (never 7.x, which has no
 *   JavaScript API: `ts.sortAndDeduplicateDiagnostics is not a function`).
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import type Vinyl from 'vinyl'
import type * as GulpTs from 'gulp-typescript'
import type * as TypeScript from 'typescript'
import { MigrateError } from '../errors'
import {
  DEFAULT_COMPILER_OPTIONS,
  formatDiagnostic,
  gulpTypeScriptRefusal,
  setupError,
  type CompileEngine,
  type CompileJob,
  type CompiledFile,
  type Diagnostic,
  type TypeScriptPackage,
} from './compile-engine'

/** Options gulp-sqlite-migrate always sets: CommonJS output, and nothing written when anything has an error. */
const FORCED_SETTINGS = { noEmitOnError: true, module: 'commonjs', isolatedModules: false, declaration: false } as const

type Project = GulpTs.Project
const projects = new Map<string, Project>()

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

/**
 * One gulp-typescript project per configuration (path and content: a tsconfig edited during a watch session is
 * read and checked again), source folder, TypeScript and process, reused so watch-mode rebuilds are
 * incremental. (gulp-typescript fixes a project's rootDir to the folder of its first compile, so a project is
 * never shared between folders.)
 */
function projectFor(tsconfig: string | undefined, rootDir: string, typescriptPackage: TypeScriptPackage): Project {
  let content = ''
  try {
    content = tsconfig ? readFileSync(tsconfig, 'utf8') : ''
  } catch {
    // unreadable: TypeScript says so when the project is created
  }
  const key = [tsconfig ?? '<defaults>', content, rootDir, typescriptPackage.dir].join('\0')
  let project = projects.get(key)
  if (!project) {
    const refusal = gulpTypeScriptRefusal(typescriptPackage)
    if (refusal) throw setupError(`${refusal}. Use the compiler 'tsc', or install TypeScript 5 or 6.`)
    // Loaded on first use: requiring gulp-typescript loads TypeScript (about 0.3 s).
    const gulpTs = require('gulp-typescript') as typeof GulpTs
    const typescript = require(typescriptPackage.dir) as typeof TypeScript
    if (tsconfig) assertValidTsconfig(typescript, tsconfig)
    const settings = { ...FORCED_SETTINGS, typescript: cachingTypeScript(typescript) }
    project = tsconfig ? gulpTs.createProject(tsconfig, settings) : gulpTs.createProject({ ...DEFAULT_COMPILER_OPTIONS, ...settings })
    projects.set(key, project)
  }
  return project
}

async function compile(job: CompileJob): Promise<CompiledFile[]> {
  const project = projectFor(job.tsconfig, job.rootDir, job.typescript)
  const VinylFile = require('vinyl') as typeof Vinyl
  const diagnostics: Diagnostic[] = []
  const outputs: Vinyl[] = []
  await new Promise<void>((resolvePromise) => {
    const stream = project({
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
    for (const source of job.sources) {
      const file = new VinylFile({ cwd: process.cwd(), base: job.rootDir, path: source.path, contents: source.contents })
      stream.write(file as unknown as Buffer) // an object-mode stream of Vinyl files, typed as a byte stream
    }
    stream.end()
  })
  if (diagnostics.length > 0) {
    throw new MigrateError({ kind: 'compile-failed', diagnostics: diagnostics.map(formatDiagnostic) })
  }
  return outputs
    .filter((file) => file.extname === '.js' && file.isBuffer())
    .map((file) => ({ relative: file.relative, contents: file.contents as Buffer }))
}

export const gulpTypeScriptEngine: CompileEngine = { name: 'gulp-typescript', compile }
