/**
 * The compile stage's one interface, and which engine runs it.
 *
 * Two engines compile migration sources to CommonJS with the same contract: every type or syntax error is a
 * `compile-failed` problem listing `file:line:col - error TSnnnn: message` and nothing is returned; a broken
 * tsconfig is a `tsconfig-invalid` problem; the output is always CommonJS. What to compile (the checksums, the
 * manifest, stale output, atomic writes) is decided by `compile.ts`, never by an engine.
 *
 * - `gulp-typescript`: gulp-typescript on TypeScript's JavaScript API (TypeScript 5 and 6), in-process and
 *   incremental between the compiles of one process (watch mode).
 * - `tsc`: the `tsc` of the project's TypeScript in a child process, with incremental build info. TypeScript 7
 *   is native and has no JavaScript API, so it is the only engine for 7 and later; it also runs 5.x and 6.x.
 *
 * The TypeScript is the project's own (`typescript` resolved from the working directory), else the one next
 * to this plugin. The engine follows from its version unless the `compiler` option names one.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { MigrateError } from '../errors'

export type CompilerName = 'gulp-typescript' | 'tsc'

export const COMPILERS: readonly CompilerName[] = ['gulp-typescript', 'tsc']

/** Which compiler to run, for the compile step and the `compile()` plugin. */
export interface CompilerChoice {
  /**
   * The engine. Default: `gulp-typescript` when the TypeScript found is 5.x or 6.x (and gulp-typescript can
   * load it), else `tsc` (TypeScript 7 and later).
   */
  readonly compiler?: CompilerName
  /**
   * The TypeScript package to compile with: a package name resolved from the working directory (an npm
   * alias such as `typescript-7` works) or a path to its folder. Default `typescript`: the project's own,
   * else the one installed next to this plugin.
   */
  readonly typescript?: string
}

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

/** A TypeScript installation: its folder (with `package.json`) and version. */
export interface TypeScriptPackage {
  readonly dir: string
  readonly version: string
  readonly major: number
}

/** One migration source to compile. */
export interface CompileSource {
  /** Absolute path. */
  readonly path: string
  /** What to compile: normally the file's content, read once by the caller (the content that was checksummed). */
  readonly contents: Buffer
}

export interface CompileJob {
  readonly sources: readonly CompileSource[]
  /** The folder the outputs are named from: `<rootDir>/001_a.ts` becomes `001_a.js`. */
  readonly rootDir: string
  /** The user's tsconfig, or none for {@link DEFAULT_COMPILER_OPTIONS}. */
  readonly tsconfig: string | undefined
  readonly typescript: TypeScriptPackage
  /** Where `tsc` keeps its incremental build info between runs (`<folder>/.tsbuildinfo`). Default: not kept. */
  readonly buildInfoDir?: string
}

/** A compiled `.js`, named relative to the job's `rootDir`. */
export interface CompiledFile {
  readonly relative: string
  readonly contents: Buffer
}

export interface CompileEngine {
  readonly name: CompilerName
  /** Compiles every source, or throws a `MigrateError` (`compile-failed`, `tsconfig-invalid`) and returns nothing. */
  compile(job: CompileJob): Promise<CompiledFile[]>
}

/** A compile that cannot start, worded like a compiler error so that it reads the same in every vocabulary. */
export function setupError(message: string): MigrateError {
  return new MigrateError({ kind: 'compile-failed', diagnostics: [message] })
}

function readPackage(packageJson: string): TypeScriptPackage {
  const version = String((JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version)
  return { dir: dirname(packageJson), version, major: Number.parseInt(version, 10) }
}

/** `typescript/package.json` (or `<specifier>/package.json`) as Node resolves it from `from`, or undefined. */
function resolvePackageJson(specifier: string, from?: string): string | undefined {
  try {
    return require.resolve(`${specifier}/package.json`, from ? { paths: [from] } : undefined)
  } catch {
    return undefined
  }
}

/**
 * The TypeScript to compile with: the project's (resolved from `cwd`), else this plugin's own; undefined when
 * there is none. `specifier` may name another package (an alias) or a folder.
 */
export function findTypeScript(specifier = 'typescript', cwd = process.cwd()): TypeScriptPackage | undefined {
  if (isAbsolute(specifier) || specifier.startsWith('.')) {
    const packageJson = join(resolve(cwd, specifier), 'package.json')
    return existsSync(packageJson) ? readPackage(packageJson) : undefined
  }
  const packageJson = resolvePackageJson(specifier, cwd) ?? resolvePackageJson(specifier)
  return packageJson ? readPackage(packageJson) : undefined
}

export function typeScriptMissing(specifier = 'typescript', cwd = process.cwd()): MigrateError {
  return setupError(
    `TypeScript (${specifier}) is not installed here (${cwd}); the migrations cannot be compiled. Install it with \`npm install --save-dev typescript\`.`,
  )
}

/** {@link findTypeScript}, or a `compile-failed` problem that says to install TypeScript. */
export function resolveTypeScript(specifier = 'typescript', cwd = process.cwd()): TypeScriptPackage {
  const found = findTypeScript(specifier, cwd)
  if (!found) throw typeScriptMissing(specifier, cwd)
  return found
}

/**
 * The TypeScript that gulp-typescript itself loads: it `require`s `typescript` on its own for part of its
 * work, whatever TypeScript it is handed. Undefined when gulp-typescript or that TypeScript is missing.
 */
export function gulpTypeScriptsOwnTypeScript(): TypeScriptPackage | undefined {
  const gulpTs = resolvePackageJson('gulp-typescript')
  const packageJson = gulpTs && resolvePackageJson('typescript', dirname(gulpTs))
  return packageJson ? readPackage(packageJson) : undefined
}

/** Why gulp-typescript cannot compile with `typescript`, or undefined when it can. Never loads gulp-typescript. */
export function gulpTypeScriptRefusal(typescript: TypeScriptPackage): string | undefined {
  const at = (ts: TypeScriptPackage) => relative(process.cwd(), ts.dir) || ts.dir
  if (typescript.major >= 7) {
    return `gulp-typescript cannot run TypeScript ${typescript.version} (${at(typescript)}): TypeScript 7 has no JavaScript compiler API`
  }
  const own = gulpTypeScriptsOwnTypeScript()
  if (!own) return 'gulp-typescript is not installed, or cannot find a TypeScript of its own'
  if (own.major >= 7) {
    return `gulp-typescript would load TypeScript ${own.version} (${at(own)}), which has no JavaScript compiler API`
  }
  return undefined
}

/** The engine for `typescript`: the one named by `compiler`, else gulp-typescript when it can run that TypeScript, else tsc. */
export function chooseCompiler(typescript: TypeScriptPackage, compiler: CompilerName | undefined): CompilerName {
  if (compiler !== undefined && !COMPILERS.includes(compiler)) {
    throw setupError(`The compiler option must be ${COMPILERS.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(compiler)}.`)
  }
  if (compiler === 'tsc') return 'tsc'
  const refusal = gulpTypeScriptRefusal(typescript)
  if (compiler === 'gulp-typescript' && refusal) throw setupError(`${refusal}. Use the compiler 'tsc', or install TypeScript 5 or 6.`)
  return refusal ? 'tsc' : 'gulp-typescript'
}
