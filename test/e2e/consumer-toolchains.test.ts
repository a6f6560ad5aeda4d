/**
 * The packed package in a fresh project on each supported toolchain, as a user sets one up today: the
 * project's own TypeScript (7, compiled by its native tsc; or 5.9, compiled by gulp-typescript), better-sqlite3
 * and gulp. One `npm install` per toolchain, both at once, from npm's cache when it can.
 */
import { strict as assert } from 'node:assert'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, run } from '../helpers/project'

const TOOLCHAINS = [
  { typescript: '7.0.2', engine: 'tsc' },
  { typescript: '5.9.3', engine: 'gulp-typescript' },
] as const

const GULPFILE = `import gulp from 'gulp'
import { registerMigrationTasks } from 'gulp-sqlite-migrate'

registerMigrationTasks(gulp, { migrationsDir: 'db/migrations', database: 'var/app.db' })
`

// Line 4, column 9: `n`.
const WITH_TYPE_ERROR = `import type { Migration } from 'gulp-sqlite-migrate'

export const up: Migration['up'] = (db) => {
  const n: number = 'x'
  db.exec(\`CREATE TABLE notes_\${n} (id INTEGER PRIMARY KEY)\`)
}
`

const FIXED = `import type { Migration } from 'gulp-sqlite-migrate'

export const up: Migration['up'] = (db) => {
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
}

export const down: Migration['down'] = (db) => {
  db.exec('DROP TABLE notes')
}
`

/** A project that depends on the tarball, its own better-sqlite3 and TypeScript, and gulp with sucrase for gulpfile.ts. */
function writeProject(app: string, tarball: string, typescript: string): void {
  mkdirSync(join(app, 'db', 'migrations'), { recursive: true })
  const manifest = {
    name: `app-typescript-${typescript}`,
    private: true,
    dependencies: { 'gulp-sqlite-migrate': `file:${tarball}`, 'better-sqlite3': '12.11.1' },
    devDependencies: { gulp: '5.0.1', sucrase: '3.35.1', typescript },
    allowScripts: { 'better-sqlite3': true },
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2))
  writeFileSync(join(app, 'gulpfile.ts'), GULPFILE)
  writeFileSync(join(app, '.gulp.js'), "module.exports = { preload: ['sucrase/register/ts'] }\n")
  // better-sqlite3 compiles SQLite from source on install (most of `npm ci`'s one to two minutes); reuse the build this checkout already
  // has, at the same version, with its run-time dependencies (npm keeps a package that satisfies the range).
  for (const pkg of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
    cpSync(join(REPO, 'node_modules', pkg), join(app, 'node_modules', pkg), { recursive: true })
  }
}

describe('consumer projects on TypeScript 7 and on TypeScript 5 (npm pack → npm install)', function () {
  this.timeout(600_000)
  let home: string
  const apps = new Map<string, string>()

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'gulp-sqlite-migrate-toolchains-'))
    const packed = await run('npm', ['pack', '--pack-destination', home, '--ignore-scripts'], { cwd: REPO })
    assert.equal(packed.code, 0, packed.output)
    const tarball = join(home, packed.stdout.trim().split('\n').at(-1) as string)
    await Promise.all(
      TOOLCHAINS.map(async ({ typescript }) => {
        const app = join(home, `app-typescript-${typescript}`)
        writeProject(app, tarball, typescript)
        const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app })
        assert.equal(installed.code, 0, installed.output)
        apps.set(typescript, app)
      }),
    )
  })
  after(() => rmSync(home, { recursive: true, force: true }))

  for (const { typescript, engine } of TOOLCHAINS) {
    describe(`typescript@${typescript} (${engine})`, () => {
      const app = () => apps.get(typescript) as string
      const gulp = (...args: string[]) =>
        run(process.execPath, [join(app(), 'node_modules', 'gulp', 'bin', 'gulp.js'), '--no-color', ...args], { cwd: app() })

      it('has one copy of better-sqlite3 and one of TypeScript: the project’s own', async () => {
        const listed = await run('npm', ['ls', 'better-sqlite3', 'typescript', '--all', '--parseable', '--long'], { cwd: app() })
        assert.equal(listed.code, 0, listed.output)
        assert.deepEqual(listed.stdout.trim().split('\n').sort(), [
          `${join(app(), 'node_modules', 'better-sqlite3')}:better-sqlite3@12.11.1`,
          `${join(app(), 'node_modules', 'typescript')}:typescript@${typescript}`,
        ])
      })

      it('migration:new, a type error that fails with file:line:col and applies nothing, then migrate', async () => {
        const created = await gulp('migration:new', '--name=x')
        assert.equal(created.code, 0, created.output)
        const migrations = join(app(), 'db', 'migrations')
        const [file] = readdirSync(migrations).filter((f) => f.endsWith('_x.ts'))
        assert.ok(file, created.output)
        const database = join(app(), 'var', 'app.db')
        const tables = () => {
          if (!existsSync(database)) return []
          const db = new Database(database, { readonly: true })
          try {
            return db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all()
          } finally {
            db.close()
          }
        }

        writeFileSync(join(migrations, file), WITH_TYPE_ERROR)
        const failed = await gulp('migrate')
        assert.notEqual(failed.code, 0, failed.output)
        assert.match(
          failed.output,
          new RegExp(`db/migrations/${file}:4:9 - error TS2322: Type 'string' is not assignable to type 'number'`),
        )
        assert.doesNotMatch(failed.output, /is not a function|Applied/)
        assert.deepEqual(tables(), [])

        writeFileSync(join(migrations, file), FIXED)
        const migrated = await gulp('migrate')
        assert.equal(migrated.code, 0, migrated.output)
        assert.match(migrated.output, /Applied 1 migration/)
        assert.ok(tables().includes('notes'), String(tables()))
        // tsc keeps its incremental build info in the output folder; gulp-typescript has none.
        assert.equal(existsSync(join(migrations, 'dist', '.tsbuildinfo')), engine === 'tsc')
      })
    })
  }
})
