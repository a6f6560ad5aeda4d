/**
 * What a user does from the README alone: `npm pack` this project, install the tarball into a fresh project
 * with its own package.json, gulpfile.ts, migrations folder and database path, then run the tasks.
 */
import { strict as assert } from 'node:assert'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, run } from '../helpers/project'

describe('consumer project (npm pack → npm install)', function () {
  this.timeout(600_000)
  let home: string
  let consumer: string
  let tarball: string

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'gulp-sqlite-migrate-consumer-'))
    const packed = await run('npm', ['pack', '--pack-destination', home, '--ignore-scripts'], { cwd: REPO })
    assert.equal(packed.code, 0, packed.output)
    tarball = join(home, packed.stdout.trim().split('\n').at(-1) as string)
    consumer = join(home, 'app')
    cpSync(join(REPO, 'test', 'fixtures', 'consumer'), consumer, { recursive: true })
    // The README's set-up in its harder case: a "type": "module" package, with the loader config as .gulp.json.
    assert.equal((JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8')) as { type?: string }).type, 'module')
    // better-sqlite3 compiles SQLite from source on install (most of `npm ci`'s one to two minutes); reuse the build this checkout already has.
    // (npm then keeps it, and does not install its run-time dependencies either, so those come along.)
    for (const pkg of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
      cpSync(join(REPO, 'node_modules', pkg), join(consumer, 'node_modules', pkg), { recursive: true })
    }
    const installed = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'gulp@5.0.1', 'sucrase@3.35.1'],
      {
        cwd: consumer,
      },
    )
    assert.equal(installed.code, 0, installed.output)
  })
  after(() => rmSync(home, { recursive: true, force: true }))

  const gulp = (...args: string[]) =>
    run(process.execPath, [join(consumer, 'node_modules', 'gulp', 'bin', 'gulp.js'), '--no-color', ...args], { cwd: consumer })

  it('packs exactly what a user needs: compiled JS, declarations, README, CHANGELOG, LICENSE', async () => {
    const listing = await run('tar', ['-tzf', tarball], { cwd: home })
    const files = listing.stdout.trim().split('\n').sort()
    for (const needed of [
      'package/lib/index.js',
      'package/lib/index.d.ts',
      'package/lib/types.d.ts',
      'package/lib/gulp/register.js',
      'package/README.md',
      'package/CHANGELOG.md',
      'package/LICENSE',
      'package/package.json',
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the package`)
    }
    assert.deepEqual(
      files.filter((f) => /^package\/(test|tasks|bench|migrations|\.ci)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
      [],
      'no tests, sources or examples',
    )
  })

  it('runs migration:new, migrate and migrate:status from its own gulpfile, folders and database path, in an ESM package', async () => {
    const created = await gulp('migration:new', '--name=create_notes')
    assert.equal(created.code, 0, created.output)
    const [file] = readdirSync(join(consumer, 'db', 'migrations')).filter((f) => f.endsWith('_create_notes.ts'))
    assert.ok(file, created.output)
    const path = join(consumer, 'db', 'migrations', file)
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        "export const up: Migration['up'] = (db) => {",
        "export const up: Migration['up'] = (db) => {\n  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')",
      ),
    )

    const migrated = await gulp('migrate')
    assert.equal(migrated.code, 0, migrated.output)
    assert.match(migrated.output, /Applied 1 migration in \d+ ms \(var\/data\/consumer\.db\)/)
    const db = new Database(join(consumer, 'var', 'data', 'consumer.db'), { readonly: true })
    assert.deepEqual(db.prepare('SELECT name FROM schema_history').pluck().all(), [file])
    assert.deepEqual(db.prepare(`SELECT name FROM pragma_table_info('notes')`).pluck().all(), ['id', 'body'])
    db.close()

    const status = await gulp('migrate:status')
    assert.equal(status.code, 0, status.output)
    assert.match(status.output, new RegExp(`${file.replace('.ts', '')}\\s+applied`))
  })
})
