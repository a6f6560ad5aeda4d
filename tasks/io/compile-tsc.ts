/**
 * The `tsc` engine: the `tsc` of the chosen TypeScript in a child process. TypeScript 7 is native and has no
 * JavaScript API, so this is how it compiles; it runs TypeScript 5 and 6 the same way.
 *
 * - A generated tsconfig extends the user's (or holds {@link DEFAULT_COMPILER_OPTIONS}), lists exactly the
 *   sources to compile and forces CommonJS, `noEmitOnError`, an explicit `rootDir` (TypeScript 7 requires it)
 *   and incremental build info. It sits next to the user's tsconfig, because TypeScript looks for `types`
 *   (`@types/*`) from the folder of the tsconfig it is given, and is removed afterwards.
 * - tsc emits into a private temporary folder (several processes may compile at once); the caller writes each
 *   output atomically. The build info is kept in `<buildInfoDir>/.tsbuildinfo`, copied in before and written
 *   back atomically after a successful compile. The output folder's name is new each run: tsc then emits
 *   every listed source, even one whose build info says it is up to date (its output may be gone).
 * - `file(line,col): error TSnnnn: message` (`--pretty false`) becomes the same diagnostics as the other
 *   engine; errors located in a tsconfig are a `tsconfig-invalid` problem.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { MigrateError } from '../errors'
import { writeFileAtomic } from './atomic-write'
import {
  DEFAULT_COMPILER_OPTIONS,
  formatDiagnostic,
  setupError,
  type CompileEngine,
  type CompileJob,
  type CompiledFile,
  type Diagnostic,
} from './compile-engine'

/** Where the incremental build info is kept, in the job's `buildInfoDir`. */
export const BUILD_INFO_FILE = '.tsbuildinfo'

/** Set on top of the user's tsconfig: CommonJS, nothing emitted on any error, only `.js` files. */
const FORCED_OPTIONS = {
  module: 'commonjs',
  noEmitOnError: true,
  noEmit: false,
  emitDeclarationOnly: false,
  declaration: false,
  declarationMap: false,
  composite: false,
  sourceMap: false,
  incremental: true,
} as const

const unique = () => `${process.pid}-${randomBytes(4).toString('hex')}`

interface Workspace {
  /** Private folder: outputs and build info. */
  readonly dir: string
  readonly outDir: string
  readonly buildInfo: string
  /** Files written into the user's folders for this run: the generated tsconfig, shadow sources. */
  readonly written: string[]
  /** Root file given to tsc → the source it stands for (a shadow file holds contents that differ from disk). */
  readonly roots: Map<string, string>
}

/** Whether the file at `path` holds exactly `contents`. */
function sameOnDisk(path: string, contents: Buffer): boolean {
  try {
    return readFileSync(path).equals(contents)
  } catch {
    return false
  }
}

function createWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'gulp-sqlite-migrate-tsc-'))
  return { dir, outDir: join(dir, `out-${unique()}`), buildInfo: join(dir, BUILD_INFO_FILE), written: [], roots: new Map() }
}

/** The files to give tsc, and the build info of the last compile. */
function prepare(job: CompileJob, workspace: Workspace): void {
  for (const source of job.sources) {
    // The content to compile is what the caller read (and checksummed); when the file on disk differs (it
    // changed since, or a gulp stream changed it), a shadow file beside it holds that content, so imports
    // resolve exactly as from the source itself.
    if (sameOnDisk(source.path, source.contents)) {
      workspace.roots.set(source.path, source.path)
    } else {
      const shadow = join(dirname(source.path), `.gulp-sqlite-migrate-${unique()}-${basename(source.path)}`)
      workspace.written.push(shadow)
      writeFileSync(shadow, source.contents)
      workspace.roots.set(shadow, source.path)
    }
  }
  const previous = job.buildInfoDir && join(job.buildInfoDir, BUILD_INFO_FILE)
  if (previous && existsSync(previous)) copyFileSync(previous, workspace.buildInfo)
}

/** The generated tsconfig, next to the user's one (see the header); returns its path. */
function writeConfig(job: CompileJob, workspace: Workspace): string {
  const config = {
    ...(job.tsconfig ? { extends: job.tsconfig } : {}),
    compilerOptions: {
      ...(job.tsconfig ? {} : DEFAULT_COMPILER_OPTIONS),
      ...FORCED_OPTIONS,
      rootDir: job.rootDir,
      outDir: workspace.outDir,
      tsBuildInfoFile: workspace.buildInfo,
    },
    files: [...workspace.roots.keys()],
    include: [],
  }
  const path = join(job.tsconfig ? dirname(job.tsconfig) : job.rootDir, `.gulp-sqlite-migrate-${unique()}.tsconfig.json`)
  try {
    writeFileSync(path, JSON.stringify(config, null, 2))
    workspace.written.push(path)
    return path
  } catch {
    // A folder we may not write to: compile from the private folder (only `types` lookups may differ).
    const fallback = join(workspace.dir, 'tsconfig.json')
    writeFileSync(fallback, JSON.stringify(config, null, 2))
    return fallback
  }
}

/**
 * How to start tsc. TypeScript 7's `bin/tsc` is a Node script that finds the native compiler in the platform
 * package (`@typescript/typescript-<platform>-<arch>`) and runs it: about 0.15 s of Node start-up per compile,
 * saved by running that executable directly when it is there, at the same version. Otherwise `bin/tsc` with Node.
 */
function tscCommand(job: CompileJob): { command: string; args: string[] } {
  const { dir, version, major } = job.typescript
  if (major >= 7) {
    try {
      const platformPackage = require.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`, { paths: [dir] })
      const exe = join(dirname(platformPackage), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc')
      const platformVersion = (JSON.parse(readFileSync(platformPackage, 'utf8')) as { version?: string }).version
      if (platformVersion === version && existsSync(exe)) return { command: exe, args: [] }
    } catch {
      // not installed where Node finds it: let bin/tsc look (and explain)
    }
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: { tsc?: string } }
  return { command: process.execPath, args: [resolve(dir, manifest.bin?.tsc ?? 'bin/tsc')] }
}

function runTsc(job: CompileJob, config: string): Promise<{ code: number | null; output: string }> {
  const { command, args } = tscCommand(job)
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args, '--project', config, '--pretty', 'false'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, output }))
  })
}

/** `file(line,col): error TSnnnn: message` and `error TSnnnn: message` lines; indented lines continue the previous one. */
export function parseTscOutput(output: string): Diagnostic[] {
  const diagnostics: Array<{ -readonly [K in keyof Diagnostic]: Diagnostic[K] }> = []
  for (const line of output.split(/\r?\n/)) {
    const located = /^(.+?)\((\d+),(\d+)\): error TS(\d+): (.*)$/.exec(line)
    const global = /^error TS(\d+): (.*)$/.exec(line)
    if (located) {
      const [, file, row, column, code, message] = located
      diagnostics.push({ file, line: Number(row), column: Number(column), code: Number(code), message })
    } else if (global) {
      diagnostics.push({ code: Number(global[1]), message: global[2] })
    } else if (/^\s+\S/.test(line) && diagnostics.length > 0) {
      diagnostics[diagnostics.length - 1].message += `\n    ${line.trim()}`
    }
  }
  return diagnostics
}

/** Throws the problem tsc reported: a broken tsconfig, else the compile errors (paths relative to the working directory). */
function fail(job: CompileJob, workspace: Workspace, config: string, code: number | null, output: string): never {
  const cwd = process.cwd()
  const tsconfig = job.tsconfig && relative(cwd, job.tsconfig)
  const configProblems: Diagnostic[] = []
  const errors: Diagnostic[] = []
  for (const d of parseTscOutput(output)) {
    const path = d.file && resolve(cwd, d.file)
    if (path === config) {
      // Positions in the generated file mean nothing to the user: the user's options clash with the forced ones.
      configProblems.push({ ...d, file: tsconfig, line: undefined, column: undefined })
    } else if (path?.endsWith('.json') || (!path && d.code === 5083)) {
      configProblems.push({ ...d, file: path && relative(cwd, path) })
    } else {
      errors.push({ ...d, file: path && relative(cwd, workspace.roots.get(path) ?? path) })
    }
  }
  if (configProblems.length > 0 && tsconfig) {
    const diagnostics = configProblems.map((d) => formatDiagnostic({ ...d, message: d.message.replace(/\.$/, '') }))
    throw new MigrateError({ kind: 'tsconfig-invalid', file: tsconfig, diagnostics })
  }
  const all = [...configProblems, ...errors].map(formatDiagnostic)
  if (all.length > 0) throw new MigrateError({ kind: 'compile-failed', diagnostics: all })
  throw setupError(`tsc (TypeScript ${job.typescript.version}) exited with code ${code}: ${output.trim() || 'no output'}`)
}

async function compile(job: CompileJob): Promise<CompiledFile[]> {
  const workspace = createWorkspace()
  try {
    prepare(job, workspace)
    const config = writeConfig(job, workspace)
    const { code, output } = await runTsc(job, config)
    if (code !== 0 || /error TS\d+/.test(output)) fail(job, workspace, config, code, output)
    const compiled: CompiledFile[] = []
    for (const [root, source] of workspace.roots) {
      const emitted = join(workspace.outDir, relative(job.rootDir, root)).replace(/\.ts$/, '.js')
      if (!existsSync(emitted))
        throw setupError(`tsc (TypeScript ${job.typescript.version}) wrote no output for ${relative(process.cwd(), source)}`)
      compiled.push({ relative: relative(job.rootDir, source).replace(/\.ts$/, '.js'), contents: readFileSync(emitted) })
    }
    if (job.buildInfoDir && existsSync(workspace.buildInfo)) {
      try {
        writeFileAtomic(join(job.buildInfoDir, BUILD_INFO_FILE), readFileSync(workspace.buildInfo))
      } catch {
        // Only a cache: the next compile checks everything it is given again.
      }
    }
    return compiled
  } finally {
    for (const file of workspace.written) rmSync(file, { force: true })
    rmSync(workspace.dir, { recursive: true, force: true })
  }
}

export const tscEngine: CompileEngine = { name: 'tsc', compile }
