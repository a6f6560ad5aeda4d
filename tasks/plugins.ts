/**
 * The stages of `gulp migrate` as gulp plugins, for your own pipelines. They follow gulp's plugin guidelines:
 * Vinyl in, Vinyl out, streamx streams (gulp 5 is streamx throughout, and errors from a Node `Transform`
 * inside a gulp 5 `.pipe()` chain are lost: gulpjs/gulp#2812), errors as `PluginError`s named
 * `gulp-sqlite-migrate`, and no side effects until files flow.
 *
 * @example
 * ```ts
 * import { src, dest } from 'gulp'
 * import { compile, commonjsMarker, apply } from 'gulp-sqlite-migrate'
 *
 * export const migrate = () =>
 *   src('db/migrations/*.ts')
 *     .pipe(compile())
 *     .pipe(commonjsMarker())
 *     .pipe(dest('db/migrations/dist'))
 *     .pipe(apply({ database: 'var/app.sqlite3' }))
 * ```
 */
import type { Database } from 'better-sqlite3'
import { dirname, join } from 'node:path'
import PluginError from 'plugin-error'
import type { Transform } from 'streamx'
import type Vinyl from 'vinyl'
import { migrationChecksum } from './core/checksum'
import { isCompiledMigrationFile, isSourceMigrationFile, migrationId } from './core/migration-name'
import { compileVinyl, type CompilerChoice } from './io/compile'
import { openDatabase } from './io/database'
import { listCompiledMigrations } from './io/migration-files'
import { PLUGIN_NAME, toPluginError } from './gulp/report'
import { applyMigrations } from './api'
import type { ApplyOptions, DriverName } from './options'
import type { RunResult } from './run-log'

/** A Vinyl file that came out of {@link compile}: it carries the checksum of its TypeScript source. */
export interface CompiledMigrationFile extends Vinyl {
  /** Checksum of the TypeScript source (line endings normalised), recorded when the migration is applied. */
  migrationChecksum?: string
  /** Path of the TypeScript source. */
  migrationSource?: string
}

// Loaded when a stage is created, not when the package is: `gulp migrate` never needs them.
const streamx = () => require('streamx') as typeof import('streamx')
const vinyl = () => require('vinyl') as typeof Vinyl

/** streamx's callback: an error, or (for a transform) the file to pass on. */
type Done<T = never> = (error: Error | null, data?: T) => void

function rejectStreams(file: Vinyl): PluginError | undefined {
  return file.isStream()
    ? new PluginError(PLUGIN_NAME, 'Streams are not supported: read migrations as buffers (the default of gulp.src).')
    : undefined
}

export interface CompilePluginOptions extends CompilerChoice {
  /** tsconfig for the migrations. Default: built-in CommonJS settings. */
  readonly tsconfig?: string
}

/**
 * TypeScript migration sources (and `NNN_name.sql` migrations) in, type-checked CommonJS `.js` out. Any type or
 * syntax error fails the stream with every diagnostic as `file:line:col - error TSnnnn: message` (`error SQL:` for
 * a `.sql` file), and nothing is emitted. Other files pass through unchanged.
 *
 * @example
 * ```ts
 * src('migrations/*.ts').pipe(compile({ tsconfig: 'migrations/tsconfig.json' })).pipe(dest('migrations/dist'))
 * ```
 */
export function compile(options: CompilePluginOptions = {}): Transform {
  const sources: Vinyl[] = []
  return new (streamx().Transform)({
    transform(file: Vinyl, callback: Done<Vinyl>) {
      const streamError = rejectStreams(file)
      if (streamError) return callback(streamError)
      const sql = file.path.endsWith('.sql') && isSourceMigrationFile(file.basename)
      if (file.isNull() || !(sql || file.path.endsWith('.ts')) || file.path.endsWith('.d.ts')) return callback(null, file)
      sources.push(file)
      callback(null)
    },
    flush(callback: Done) {
      if (sources.length === 0) return callback(null)
      const bySource = new Map(
        sources.map((f) => [migrationId(f.basename), { checksum: migrationChecksum(f.contents as Buffer), path: f.path }]),
      )
      compileVinyl(sources, options.tsconfig, options).then(
        (outputs) => {
          for (const output of outputs as CompiledMigrationFile[]) {
            const source = bySource.get(migrationId(output.basename))
            output.migrationChecksum = source?.checksum
            output.migrationSource = source?.path
            this.push(output)
          }
          callback(null)
        },
        (error: unknown) => callback(toPluginError(error)),
      )
    },
  })
}

/**
 * Passes files through and adds `package.json` = `{"type":"commonjs"}`, so the output loads as CommonJS in any package.
 *
 * @example
 * ```ts
 * src('migrations/*.ts').pipe(compile()).pipe(commonjsMarker()).pipe(dest('migrations/dist'))
 * ```
 */
export function commonjsMarker(): Transform {
  let base: string | undefined
  return new (streamx().Transform)({
    transform(file: Vinyl, callback: Done<Vinyl>) {
      base ??= file.base
      callback(null, file)
    },
    flush(callback: Done) {
      const root = base ?? process.cwd()
      this.push(
        new (vinyl())({ cwd: process.cwd(), base: root, path: join(root, 'package.json'), contents: Buffer.from('{"type":"commonjs"}\n') }),
      )
      callback(null)
    },
  })
}

export interface ApplyPluginOptions extends Omit<ApplyOptions, 'onEvent' | 'beforeChanges'> {
  /** The database: a path (opened and closed by the stage) or an open better-sqlite3 connection. */
  readonly database: string | Database
  /** Where the `.ts` sources are, for checksums. Default: where the compiled files came from. */
  readonly sourceDir?: string
  /** The driver a `database` path is opened with. Default `better-sqlite3`. */
  readonly driver?: DriverName
  /** Called with the result once the migrations are applied. */
  readonly onResult?: (result: RunResult) => void
  readonly onEvent?: ApplyOptions['onEvent']
}

/**
 * Applies the pending migrations of the folder that compiled migrations were written to (place it after
 * `dest()`); passes every file through. Fails the stream with the migration's name and cause when one fails.
 *
 * @example
 * ```ts
 * src('migrations/*.ts').pipe(compile()).pipe(commonjsMarker()).pipe(dest('migrations/dist')).pipe(apply({ database: 'var/app.sqlite3' }))
 * ```
 */
export function apply(options: ApplyPluginOptions): Transform {
  if (!options || (typeof options.database !== 'string' && typeof options.database?.prepare !== 'function')) {
    throw new PluginError(PLUGIN_NAME, 'apply() needs { database }: a path or an open better-sqlite3 Database.')
  }
  const folders = new Map<string, string>() // compiled folder → source folder
  const checksums = new Map<string, string>()
  return new (streamx().Transform)({
    transform(file: CompiledMigrationFile, callback: Done<Vinyl>) {
      if (isCompiledMigrationFile(file.basename) && !file.isNull()) {
        folders.set(dirname(file.path), options.sourceDir ?? (file.migrationSource ? dirname(file.migrationSource) : dirname(file.path)))
        if (file.migrationChecksum) checksums.set(migrationId(file.basename), file.migrationChecksum)
      }
      callback(null, file)
    },
    flush(callback: Done) {
      const run = async () => {
        for (const [distDir, sourceDir] of folders) {
          const available = listCompiledMigrations({ sourceDir, distDir }).map((m) => ({
            ...m,
            checksum: checksums.get(m.id) ?? m.checksum,
          }))
          const db =
            typeof options.database === 'string'
              ? openDatabase(options.database, { busyTimeoutMs: options.busyTimeoutMs, driver: options.driver })
              : options.database
          try {
            // Applied whether or not anyone listens for the result (`onResult?.(await ...)` would skip the call).
            const result = await applyMigrations(db, available, options)
            options.onResult?.(result)
          } finally {
            if (typeof options.database === 'string') db.close()
          }
        }
      }
      run().then(
        () => callback(null),
        (error: unknown) => callback(toPluginError(error)),
      )
    },
  })
}
