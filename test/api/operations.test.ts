/** Rollback, redo, --to, baseline, status, check, dry run and verify, on real SQLite files (no gulp). */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { applyMigrations, rollbackMigrations, type RollbackOptions } from '../../tasks/index'
import { dryRun, verifyDownPaths } from '../../tasks/rehearse'
import { checkStatus, migrationStatus } from '../../tasks/status'
import { CHECK_EXIT_CODES } from '../../tasks/core/check'
import { writeManifest } from '../../tasks/io/manifest'
import { migrationChecksum } from '../../tasks/core/checksum'
import { writeSchemaFile } from '../../tasks/io/schema'
import { backupDatabase, backupPath } from '../../tasks/io/backup'
import { CompiledFolder, applicationTableNames, recordedNames, rejection } from '../helpers/compiled'

const table = (name: string, down = true) =>
  `exports.up = (db) => { db.exec('CREATE TABLE ${name} (id INTEGER)') }\n` +
  (down ? `exports.down = (db) => { db.exec('DROP TABLE ${name}') }\n` : '')

describe('operations', () => {
  let folder: CompiledFolder
  let db: Database
  beforeEach(() => {
    folder = new CompiledFolder()
    folder.js('001_a', table('a')).js('002_b', table('b')).js('003_c', table('c')).js('004_d', table('d'))
    db = folder.open()
  })
  afterEach(() => {
    if (db.open) db.close()
    folder.remove()
  })
  const recorded = () => recordedNames(db)
  const tables = () => applicationTableNames(db)
  const down = (options: RollbackOptions = {}) => rollbackMigrations(db, folder.list(), options)

  describe('rollback', () => {
    beforeEach(async () => {
      await applyMigrations(db, folder.list())
    })

    it('rolls back the newest migration by default', async () => {
      const result = await down()
      assert.deepEqual(
        result.results.map((r) => [r.id, r.direction, r.outcome]),
        [['004_d', 'down', 'reverted']],
      )
      assert.deepEqual(recorded(), ['001_a.ts', '002_b.ts', '003_c.ts'])
      assert.deepEqual(tables(), ['a', 'b', 'c'])
    })

    it('--step=N rolls back the newest N, newest first', async () => {
      const result = await down({ step: 2 })
      assert.deepEqual(
        result.results.map((r) => r.id),
        ['004_d', '003_c'],
      )
      assert.deepEqual(tables(), ['a', 'b'])
    })

    it('--to=NAME rolls back everything applied after NAME', async () => {
      await down({ to: '002_b.ts' })
      assert.deepEqual(recorded(), ['001_a.ts', '002_b.ts'])
    })

    it('--all rolls back everything', async () => {
      await down({ all: true })
      assert.deepEqual(recorded(), [])
      assert.deepEqual(tables(), [])
    })

    it('refuses --step larger than what is applied, and an unknown --to', async () => {
      const tooFar = await rejection(down({ step: 5 }))
      assert.deepEqual(tooFar.problem, { kind: 'step-too-large', step: 5, applied: 4 })
      assert.match(
        tooFar.message,
        /^`step: 5` but only 4 migration\(s\) are applied; nothing was rolled back/,
        'names the option, not a flag',
      )
      const unknown = await rejection(down({ to: '999_nope' }))
      assert.deepEqual(unknown.problem, { kind: 'not-applied', name: '999_nope', applied: ['001_a', '002_b', '003_c', '004_d'] })
      const both = await rejection(rollbackMigrations(db, folder.list(), { step: 1, all: true } as unknown as RollbackOptions))
      assert.deepEqual(both.problem, { kind: 'conflicting-options', options: ['step', 'all'] })
      assert.equal(recorded().length, 4)
    })

    it('refuses the whole range when any migration in it has no down, naming it', async () => {
      folder.js('003_c', table('c', false))
      const error = await rejection(down({ step: 3 }))
      assert.match(error.message, /Nothing was rolled back: .*003_c\.ts has no down/)
      assert.equal(recorded().length, 4)
      assert.deepEqual(tables(), ['a', 'b', 'c', 'd'])
    })

    it('rolls back a down that throws, keeps the ones before it, and reports it', async () => {
      folder.js('003_c', `exports.up = () => {}\nexports.down = (db) => { db.exec('DROP TABLE c'); throw new Error('cannot undo c') }\n`)
      const error = await rejection(down({ step: 3 }))
      assert.match(
        error.message,
        /Migration .*003_c\.ts \(down\) failed: cannot undo c; it was rolled back completely; 1 migration\(s\) before it stay rolled back; older migrations were not rolled back/,
      )
      assert.deepEqual(recorded(), ['001_a.ts', '002_b.ts', '003_c.ts'])
      assert.deepEqual(tables(), ['a', 'b', 'c'], 'c was not dropped: its down was rolled back')
    })
  })

  describe('migrate --to', () => {
    it('applies pending migrations up to and including NAME', async () => {
      const result = await applyMigrations(db, folder.list(), { to: '002_b' })
      assert.deepEqual(
        result.results.map((r) => r.id),
        ['001_a', '002_b'],
      )
      assert.deepEqual(recorded(), ['001_a.ts', '002_b.ts'])
    })

    it('refuses an unknown NAME and applies nothing', async () => {
      const error = await rejection(applyMigrations(db, folder.list(), { to: '005_nope' }))
      assert.equal(error.problem.kind, 'unknown-migration')
      assert.equal(error.code, 'UNKNOWN_MIGRATION')
      assert.deepEqual(tables(), [])
    })
  })

  describe('baseline', () => {
    beforeEach(() => {
      db.exec('CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER)')
    })

    it('refuses a database with tables but no migration history', async () => {
      const error = await rejection(applyMigrations(db, folder.list(), { databaseLabel: 'prod.sqlite3' }))
      assert.deepEqual(error.problem, { kind: 'no-history', database: 'prod.sqlite3', tables: ['a', 'b'] })
      assert.deepEqual(tables(), ['a', 'b'])
      const bookkeeping = db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'migrations%'`).all()
      assert.deepEqual(bookkeeping, [], 'refusing wrote nothing: not even the migrations table')
    })

    it('--baseline=NAME records migrations up to NAME without running them, then applies the rest', async () => {
      const events: string[] = []
      const result = await applyMigrations(db, folder.list(), { baseline: '002_b', onEvent: (e) => events.push(e.type) })
      assert.deepEqual(result.baselined, ['001_a', '002_b'])
      assert.deepEqual(
        result.results.map((r) => r.id),
        ['003_c', '004_d'],
      )
      assert.deepEqual(recorded(), ['001_a.ts', '002_b.ts', '003_c.ts', '004_d.ts'])
      assert.ok(events.includes('baselined'))
    })

    it('tells of a baseline only once it is committed: an atomic run that fails records and reports none', async () => {
      folder.js('003_c', `exports.up = () => { throw new Error('no c') }`)
      const events: string[] = []
      await rejection(
        applyMigrations(db, folder.list(), { baseline: '002_b', transactionMode: 'atomic', onEvent: (e) => events.push(e.type) }),
      )
      assert.deepEqual(recorded(), [])
      assert.ok(!events.includes('baselined'), events.join(', '))
    })

    it('refuses an unknown baseline NAME', async () => {
      const error = await rejection(applyMigrations(db, folder.list(), { baseline: '042_x' }))
      assert.deepEqual(error.problem, {
        kind: 'unknown-migration',
        option: 'baseline',
        name: '042_x',
        known: ['001_a', '002_b', '003_c', '004_d'],
      })
    })
  })

  describe('status and check', () => {
    const sources = () => {
      for (const id of ['001_a', '002_b', '003_c', '004_d']) writeFileSync(`${folder.sourceDir}/${id}.ts`, `// ${id}\n`)
      writeManifest(folder.distDir, {
        version: 1,
        compilerKey: 'test',
        migrations: Object.fromEntries(['001_a', '002_b', '003_c', '004_d'].map((id) => [id, migrationChecksum(`// ${id}\n`)])),
      })
    }

    it('reports each migration with its state, applied at and duration', async () => {
      sources()
      await applyMigrations(db, folder.list(), { to: '002_b' })
      const report = migrationStatus(db, { sourceDir: folder.sourceDir, distDir: folder.distDir })
      assert.deepEqual(
        report.migrations.map((m) => [m.id, m.state]),
        [
          ['001_a', 'applied'],
          ['002_b', 'applied'],
          ['003_c', 'pending'],
          ['004_d', 'pending'],
        ],
      )
      assert.ok(report.migrations[0].appliedAt && report.migrations[0].durationMs !== null)
      assert.equal(report.migrations[2].appliedAt, null)
      assert.equal(checkStatus(report).exitCode, CHECK_EXIT_CODES.pending)
    })

    it('gives a distinct exit code to each kind of problem', async () => {
      sources()
      await applyMigrations(db, folder.list())
      const status = () =>
        migrationStatus(db, { sourceDir: folder.sourceDir, distDir: folder.distDir, schemaFile: `${folder.dir}/schema.sql` })
      writeSchemaFile(db, 'migrations', `${folder.dir}/schema.sql`, '004_d')
      assert.deepEqual(checkStatus(status()), { problems: [], exitCode: 0 })

      db.exec('CREATE TABLE sneaky (id INTEGER)')
      assert.equal(checkStatus(status()).exitCode, CHECK_EXIT_CODES.schema)
      db.exec('DROP TABLE sneaky')

      writeFileSync(`${folder.distDir}/005_orphan.js`, 'exports.up = () => {}\n')
      assert.equal(checkStatus(status()).exitCode, CHECK_EXIT_CODES.stale)

      db.prepare(`DELETE FROM migrations WHERE name = '002_b.ts'`).run()
      assert.equal(checkStatus(status()).exitCode, CHECK_EXIT_CODES['out-of-order'])

      db.prepare(`INSERT INTO migrations (name) VALUES ('000_gone.ts')`).run()
      assert.equal(checkStatus(status()).exitCode, CHECK_EXIT_CODES.missing)

      writeFileSync(`${folder.sourceDir}/001_a.ts`, '// edited\n')
      const verdict = checkStatus(status())
      assert.equal(verdict.exitCode, CHECK_EXIT_CODES.changed, 'the most serious kind wins')
      assert.deepEqual(
        verdict.problems.map((p) => p.kind),
        ['changed', 'missing', 'out-of-order', 'stale', 'schema'],
      )
    })
  })

  describe('dry run', () => {
    const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

    it('shows the plan, each outcome, its SQL and the schema diff, and leaves the file byte for byte unchanged', async () => {
      await applyMigrations(db, folder.list(), { to: '002_b' })
      folder.js('003_c', `exports.up = (db) => { db.exec('CREATE TABLE c (id INTEGER)'); db.prepare('INSERT INTO c VALUES (?)').run(7) }`)
      db.close()
      const before = sha(folder.dbPath)
      const report = await dryRun(folder.dbPath, folder.list())
      assert.equal(sha(folder.dbPath), before)
      assert.deepEqual(report.plan, ['003_c', '004_d'])
      assert.deepEqual(
        report.migrations.map((m) => [m.id, m.outcome]),
        [
          ['003_c', 'applied'],
          ['004_d', 'applied'],
        ],
      )
      assert.equal(report.migrations[0].statements[0], 'CREATE TABLE c (id INTEGER)')
      assert.match(report.migrations[0].statements[1], /^INSERT INTO c VALUES \(7(\.0)?\)$/, 'bound values are expanded')
      assert.equal(report.migrations[0].statements.length, 2, "only the migration's own SQL, not the bookkeeping")
      assert.deepEqual(
        report.schemaChanges.map((c) => `${c.kind} ${c.type} ${c.name}`),
        ['added table c', 'added table d'],
      )
      db = folder.open()
    })

    it('reports a failing migration without touching the database, and does not create a missing one', async () => {
      folder.js('002_b', `exports.up = (db) => { db.exec('CREATE TABLE b (id INTEGER)'); throw new Error('bad b') }`)
      db.close()
      const path = `${folder.dir}/not-yet.sqlite3`
      const report = await dryRun(path, folder.list())
      assert.ok(!existsSync(path))
      assert.match(report.error ?? '', /002_b\.ts failed: bad b/)
      assert.deepEqual(
        report.migrations.map((m) => [m.id, m.outcome]),
        [
          ['001_a', 'applied'],
          ['002_b', 'failed'],
          ['003_c', 'not-run'],
          ['004_d', 'not-run'],
        ],
      )
      db = folder.open()
    })
  })

  describe('verify', () => {
    const verdicts = (report: Awaited<ReturnType<typeof verifyDownPaths>>) =>
      report.results.map((r) => [r.id, r.ok ? 'ok' : r.withoutDown ? 'no down' : 'FAIL'])

    it('passes when every down restores the schema, oldest first', async () => {
      db.close()
      const report = await verifyDownPaths(folder.dbPath, folder.list())
      assert.deepEqual(verdicts(report), [
        ['001_a', 'ok'],
        ['002_b', 'ok'],
        ['003_c', 'ok'],
        ['004_d', 'ok'],
      ])
      db = folder.open()
      assert.deepEqual(tables(), [], 'the real database was not changed')
    })

    it('reports a down that does not restore the schema, with a readable diff, and verifies the rest', async () => {
      folder.js(
        '003_c',
        `exports.up = (db) => { db.exec('CREATE TABLE c (id INTEGER); CREATE INDEX c_id ON c (id)') }\nexports.down = (db) => { db.exec('DROP INDEX c_id') }`,
      )
      db.close()
      const report = await verifyDownPaths(folder.dbPath, folder.list())
      assert.deepEqual(verdicts(report), [
        ['001_a', 'ok'],
        ['002_b', 'ok'],
        ['003_c', 'FAIL'],
        ['004_d', 'ok'],
      ])
      assert.deepEqual(report.results[2].problems, [
        'down did not restore the schema from before up (expected → after down):',
        '  table c: extra after down',
      ])
      assert.deepEqual(report.notVerified, [])
      db = folder.open()
    })

    it('reports a migration without a down as such, and goes on past it', async () => {
      folder.js('003_c', table('c', false))
      db.close()
      const report = await verifyDownPaths(folder.dbPath, folder.list())
      assert.deepEqual(verdicts(report), [
        ['001_a', 'ok'],
        ['002_b', 'ok'],
        ['003_c', 'no down'],
        ['004_d', 'ok'],
      ])
      assert.deepEqual(report.notVerified, [])
      db = folder.open()
    })
  })

  it('never replaces a backup taken in the same second, and stops before any change when the backup fails', async () => {
    const at = new Date('2026-11-26T12:00:00Z')
    await applyMigrations(db, folder.list(), { to: '001_a' })
    const first = await backupDatabase(db, backupPath(folder.dbPath, at))
    const second = await backupDatabase(db, backupPath(folder.dbPath, at))
    assert.notEqual(first, second)
    assert.match(second, /20261126120000-2\.backup$/)
    writeFileSync(join(folder.dir, 'not-a-folder'), 'x')
    const error = await rejection(
      applyMigrations(db, folder.list(), {
        beforeChanges: async () => void (await backupDatabase(db, join(folder.dir, 'not-a-folder', 'b.backup'))),
      }),
    )
    assert.equal(error.problem.kind, 'backup-failed')
    assert.deepEqual(recorded(), ['001_a.ts'], 'nothing was applied')
  })

  it('takes an online backup that holds the state before the migration', async () => {
    await applyMigrations(db, folder.list(), { to: '001_a' })
    let backup = ''
    await applyMigrations(db, folder.list(), {
      beforeChanges: async () => {
        backup = await backupDatabase(db, backupPath(folder.dbPath, new Date('2026-11-26T12:00:00Z')))
      },
    })
    assert.match(backup, /app\.sqlite3\.20261126120000\.backup$/)
    const { default: Sqlite } = await import('better-sqlite3')
    const copy = new Sqlite(backup, { readonly: true })
    assert.deepEqual(copy.prepare('SELECT name FROM migrations').pluck().all(), ['001_a.ts'])
    copy.close()
  })
})
