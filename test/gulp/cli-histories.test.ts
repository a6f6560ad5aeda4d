/**
 * Histories brought from other tools, run through the gulp tasks in this process on real files: a folder with
 * TypeORM-style names, and a mixed SQL + TypeScript history whose migrations share a helper module.
 */
import { strict as assert } from 'node:assert'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { TestProject } from '../helpers/project'
import { runTask, taskError, taskOutput } from '../helpers/tasks'

const TYPEORM_STYLE = `import type { Migration } from 'gulp-sqlite-migrate'
export const up: Migration['up'] = (db) => {
  db.exec('CREATE TABLE season (id INTEGER PRIMARY KEY)')
}
`

describe('histories from other tools (in process)', function () {
  this.timeout(60_000)
  let project: TestProject
  beforeEach(() => {
    project = new TestProject('histories')
  })
  afterEach(() => project.remove())

  describe('a folder with files that are not migrations', () => {
    beforeEach(() => {
      project.write('001_init.sql', 'CREATE TABLE media (id INTEGER PRIMARY KEY);\n')
      project.write('1605085519544-SeasonStatus.ts', TYPEORM_STYLE)
      project.write('002_tags.down.sql', 'DROP TABLE tags;\n')
    })

    it('migrate applies the migrations and lists every other file with the name it should have', async () => {
      const output = await taskOutput(project, 'migrate')
      assert.match(output, /Applied 1 migration/)
      assert.match(
        output,
        /migrations\/1605085519544-SeasonStatus\.ts is not a migration and was not applied: .*rename it to 1605085519544_SeasonStatus\.ts/,
      )
      assert.match(output, /migrations\/002_tags\.down\.sql is half of an up\/down pair/)
      assert.deepEqual(project.recorded(), ['001_init.sql'])
    })

    it('status lists them, and check fails for them with its own exit code', async () => {
      await taskOutput(project, 'migrate')
      const status = await taskOutput(project, 'migrate:status')
      assert.match(status, /migrations\/1605085519544-SeasonStatus\.ts .*rename it to 1605085519544_SeasonStatus\.ts/)
      const json = JSON.parse((await runTask(project, 'migrate:status', ['--json'])).output) as {
        stray: Array<{ file: string; suggestion?: string }>
      }
      assert.deepEqual(
        json.stray.map((s) => [s.file, s.suggestion]),
        [
          ['002_tags.down.sql', '002_tags.sql'],
          ['1605085519544-SeasonStatus.ts', '1605085519544_SeasonStatus.ts'],
        ],
      )
      const check = await taskError(project, 'migrate:check')
      assert.match(check.message, /not migrations, never applied: .*1605085519544-SeasonStatus\.ts/)
      assert.match(check.message, /^migrate:check failed \(exit code 16\)/)
    })

    it('a folder holding no migration at all says so with the naming rule and each file', async () => {
      rmSync(join(project.migrationsDir, '001_init.sql'))
      const error = await taskError(project, 'migrate')
      assert.match(
        error.message,
        /^No migrations in .*migrations: migration names are NNN_name\.ts or NNN_name\.sql .*2 files there are not: /,
      )
      assert.match(error.message, /rename it to 1605085519544_SeasonStatus\.ts/)
      assert.equal(existsSync(project.dbPath), false)
    })
  })

  describe('a mixed SQL and TypeScript history with a shared helper', () => {
    beforeEach(() => {
      mkdirSync(join(project.migrationsDir, 'lib'))
      project.write(
        'lib/ddl.ts',
        `import type { Database } from 'better-sqlite3'\nimport { quote } from '../quote'\n` +
          `export function createTable(db: Database, name: string): void {\n  db.exec(\`CREATE TABLE \${quote(name)} (id INTEGER PRIMARY KEY)\`)\n}\n`,
      )
      project.write('quote.ts', `export const quote = (name: string): string => \`"\${name}"\`\n`)
      project.write('001_users.sql', '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n')
      project.write(
        '002_posts.ts',
        `import type { Migration } from 'gulp-sqlite-migrate'\nimport { createTable } from './lib/ddl'\n` +
          `export const up: Migration['up'] = (db) => createTable(db, 'posts')\nexport const down: Migration['down'] = (db) => db.exec('DROP TABLE posts')\n`,
      )
    })

    it('compiles the helpers beside the migrations, applies both kinds in order, and records only migrations', async () => {
      const output = await taskOutput(project, 'migrate')
      assert.match(output, /Applied 2 migrations/)
      assert.doesNotMatch(output, /not a migration/)
      assert.deepEqual(project.recorded(), ['001_users.sql', '002_posts.ts'])
      assert.deepEqual(project.tables(), ['migrations', 'migrations_lock', 'posts', 'users'])
      assert.ok(existsSync(join(project.distDir, 'lib', 'ddl.js')))
      assert.ok(existsSync(join(project.distDir, 'quote.js')))
      assert.doesNotMatch(await taskOutput(project, 'migrate:status'), /not a migration/)
    })

    it('an edited helper is compiled again, with the migrations that use it, and a new migration runs the new version', async () => {
      await taskOutput(project, 'migrate')
      project.write('quote.ts', `export const quote = (name: string): string => \`"\${name}_v2"\`\n`)
      project.write(
        '003_tags.ts',
        `import type { Migration } from 'gulp-sqlite-migrate'\nimport { createTable } from './lib/ddl'\n` +
          `export const up: Migration['up'] = (db) => createTable(db, 'tags')\n`,
      )
      const output = await taskOutput(project, 'migrate')
      assert.match(output, /Compiled 2 migrations/) // 003, and 002 type-checked against the new helper
      assert.match(readFileSync(join(project.distDir, 'quote.js'), 'utf8'), /_v2/)
      assert.ok(project.tables().includes('tags_v2'), String(project.tables()))
    })

    it('an edited helper that applied migrations used is named by status and check, until migrate:repair accepts it', async () => {
      await taskOutput(project, 'migrate')
      const db = new Database(project.dbPath, { readonly: true })
      const recorded = db.prepare(`SELECT helpers FROM migrations WHERE name = '002_posts.ts'`).pluck().get() as string
      db.close()
      assert.deepEqual(Object.keys(JSON.parse(recorded) as object), ['lib/ddl.ts', 'quote.ts'])
      project.write('quote.ts', `export const quote = (name: string): string => \`[\${name}]\`\n`)
      const status = await taskOutput(project, 'migrate:status')
      assert.match(status, /Helper quote\.ts was edited after 002_posts imported it; that migration will not run again/)
      const check = await taskError(project, 'migrate:check')
      assert.match(check.message, /quote\.ts was edited after 002_posts imported it/)
      assert.match(check.message, /^migrate:check failed \(exit code 17\)/)
      assert.match(await taskOutput(project, 'migrate:repair'), /Accepted the current source of 002_posts/)
      assert.doesNotMatch(await taskOutput(project, 'migrate:status'), /Helper/)
      assert.match(await taskOutput(project, 'migrate:check'), /up to date/)
    })

    it('a type error in a helper fails the compile with its file and line, and applies nothing', async () => {
      project.write('quote.ts', `export const quote = (name: string): number => name\n`)
      const error = await taskError(project, 'migrate')
      assert.match(error.message, /migrations\/quote\.ts:1:\d+ - error TS2322/)
      assert.equal(existsSync(project.dbPath), false)
    })
  })
})
