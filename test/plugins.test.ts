/**
 * The gulp plugins, tested the way gulp's plugin docs describe: write Vinyl files in, assert on what comes
 * out. Each stream test runs twice, under streamx's pipeline (what gulp 5 uses) and Node's stream.pipeline,
 * as vinyl-fs does for its own stages.
 */
import { strict as assert } from 'node:assert'
import { pipeline as nodePipeline } from 'node:stream'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline as streamxPipeline, Readable, Writable } from 'streamx'
import Vinyl from 'vinyl'
import gulp from 'gulp'
import Database from 'better-sqlite3'
import PluginError from 'plugin-error'
import { apply, commonjsMarker, compile, type ApplyPluginOptions, type CompiledMigrationFile } from '../tasks/plugins'
import { TestProject } from './helpers/project'

type Pipeline = (
  streams: Array<NodeJS.ReadableStream | NodeJS.WritableStream | Readable | Writable>,
  done: (error?: Error | null) => void,
) => void

const PIPELINES: Array<[string, Pipeline]> = [
  ['streamx pipeline', (streams, done) => (streamxPipeline as unknown as (...args: unknown[]) => void)(...streams, done)],
  ['node stream.pipeline', (streams, done) => (nodePipeline as unknown as (...args: unknown[]) => void)(...streams, done)],
]

/** Runs `files` through `stage` and collects what comes out, or the error. */
function through(pipeline: Pipeline, stage: NodeJS.ReadWriteStream | Readable, files: Vinyl[]): Promise<{ out: Vinyl[]; error?: Error }> {
  return new Promise((resolve) => {
    const out: Vinyl[] = []
    const sink = new Writable({
      write(file: Vinyl, cb: (error: Error | null) => void) {
        out.push(file)
        cb(null)
      },
    })
    pipeline([Readable.from(files), stage as Readable, sink], (error) => resolve({ out, error: error ?? undefined }))
  })
}

const source = (dir: string, name: string, text: string) =>
  new Vinyl({ cwd: dir, base: dir, path: join(dir, name), contents: Buffer.from(text) })

describe('gulp plugins', function () {
  this.timeout(60_000)
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('plugins')
  })
  afterEach(() => project.remove())

  for (const [label, pipeline] of PIPELINES) {
    describe(label, () => {
      it('compile(): TypeScript in, CommonJS out, with the source checksum on the file', async () => {
        const input = source(
          project.migrationsDir,
          '001_a.ts',
          `export const up = (db: { exec(sql: string): void }): void => db.exec('CREATE TABLE a (id INTEGER)')\n`,
        )
        const { out, error } = await through(pipeline, compile(), [input])
        assert.equal(error, undefined)
        assert.deepEqual(
          out.map((f) => f.relative),
          ['001_a.js'],
        )
        assert.match(String(out[0].contents), /exports\.up = up/)
        assert.match((out[0] as CompiledMigrationFile).migrationChecksum ?? '', /^[0-9a-f]{64}$/)
      })

      it('compile(): fails with a PluginError listing file:line:col, and emits nothing', async () => {
        const good = source(project.migrationsDir, '001_good.ts', 'export const up = (): void => undefined\n')
        const bad = source(project.migrationsDir, '002_bad.ts', `export const up = (): void => {\n  const n: number = 'x'\n}\n`)
        const { out, error } = await through(pipeline, compile(), [good, bad])
        assert.ok(error instanceof PluginError, String(error))
        assert.equal((error as PluginError).plugin, 'gulp-sqlite-migrate')
        assert.match((error as PluginError).message, /002_bad\.ts:2:9 - error TS2322/)
        assert.deepEqual(out, [])
      })

      it('compile(): passes null files and non-TypeScript files through, refuses streams', async () => {
        const empty = new Vinyl({ path: join(project.dir, 'folder') })
        const readme = source(project.migrationsDir, 'README.md', '# notes')
        const { out } = await through(pipeline, compile(), [empty, readme])
        assert.deepEqual(
          out.map((f) => f.basename),
          ['folder', 'README.md'],
        )
        const streamed = new Vinyl({
          path: join(project.dir, '001_s.ts'),
          contents: Readable.from(['x']) as unknown as NodeJS.ReadableStream,
        })
        const { error } = await through(pipeline, compile(), [streamed])
        assert.match(error?.message ?? '', /Streams are not supported/)
      })

      it('commonjsMarker(): passes files through and adds package.json', async () => {
        const js = source(project.distDir, '001_a.js', 'exports.up = () => {}\n')
        const { out } = await through(pipeline, commonjsMarker(), [js])
        assert.deepEqual(
          out.map((f) => f.relative),
          ['001_a.js', 'package.json'],
        )
        assert.equal(String(out[1].contents), '{"type":"commonjs"}\n')
      })
    })
  }

  /** The README's pipeline: src → compile → commonjsMarker → dest → apply. */
  const readmePipeline = (options: Omit<ApplyPluginOptions, 'database'>, glob = '*.ts') =>
    new Promise<void>((resolve, reject) => {
      gulp
        .src(join(project.migrationsDir, glob))
        .pipe(compile({ tsconfig: join(project.migrationsDir, 'tsconfig.json') }))
        .pipe(commonjsMarker())
        .pipe(gulp.dest(project.distDir))
        .pipe(apply({ ...options, database: project.dbPath }))
        .on('error', reject)
        .on('finish', () => resolve())
        .resume()
    })

  it('apply() needs a database, and checks that when it is created', async () => {
    assert.throws(() => apply({} as never), /apply\(\) needs \{ database \}/)
  })

  it('runs as a whole gulp pipeline: src → compile → commonjsMarker → dest → apply', async () => {
    project.migration('001_users.ts', 'CREATE TABLE users (id INTEGER PRIMARY KEY)')
    project.migration('002_posts.ts', 'CREATE TABLE posts (id INTEGER PRIMARY KEY)')
    const results: string[] = []
    await readmePipeline({ onResult: (r) => results.push(...r.results.map((x) => x.id)) })
    assert.deepEqual(results, ['001_users', '002_posts'])
    assert.ok(existsSync(join(project.distDir, 'package.json')))
    const db = new Database(project.dbPath, { readonly: true })
    assert.deepEqual(db.prepare('SELECT name FROM migrations ORDER BY id').pluck().all(), ['001_users.ts', '002_posts.ts'])
    assert.match(db.prepare('SELECT checksum FROM migrations WHERE id = 1').pluck().get() as string, /^[0-9a-f]{64}$/)
    db.close()
    assert.match(readFileSync(join(project.distDir, '001_users.js'), 'utf8'), /CREATE TABLE users/)
  })

  it('compiles .sql migrations in the same stream: applied in order with the .ts ones, recorded with their checksum', async () => {
    project.migration('001_users.ts', 'CREATE TABLE users (id INTEGER PRIMARY KEY)')
    project.write('002_tags.sql', 'BEGIN;\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\nCOMMIT;\n')
    await readmePipeline({}, '*.{ts,sql}')
    const db = new Database(project.dbPath, { readonly: true })
    assert.deepEqual(db.prepare('SELECT name FROM migrations ORDER BY id').pluck().all(), ['001_users.ts', '002_tags.sql'])
    assert.match(db.prepare(`SELECT checksum FROM migrations WHERE name = '002_tags.sql'`).pluck().get() as string, /^[0-9a-f]{64}$/)
    db.close()
  })

  it('applies without onResult too, as in the README (the result was only computed when someone listened)', async () => {
    project.migration('001_only.ts', 'CREATE TABLE only_table (id INTEGER PRIMARY KEY)')
    await readmePipeline({})
    const db = new Database(project.dbPath, { readonly: true })
    assert.deepEqual(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'only_table'`).pluck().all(), ['only_table'])
    db.close()
  })
})
