/**
 * `gulp migrate --databases=...` and the fleet's status, check and rollback, run as gulp runs them in this process
 * on real SQLite files (concurrency 1: the calling thread; the worker threads are in the last test and in
 * test/e2e/fleet.test.ts).
 */
import { strict as assert } from 'node:assert'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { TestProject } from '../helpers/project'
import { runTask, taskError, taskOutput } from '../helpers/tasks'

describe('gulp migrate --databases (in process)', function () {
  this.timeout(60_000)
  let project: TestProject
  const tenants = () => join(project.dir, 'tenants')
  const tenant = (n: number) => join(tenants(), `t${String(n).padStart(2, '0')}.sqlite3`)
  const recorded = (path: string) => {
    const db = new Database(path, { readonly: true })
    try {
      return db.prepare(`SELECT name FROM sqlite_master WHERE name = 'migrations'`).get()
        ? (db.prepare('SELECT name FROM migrations ORDER BY id').pluck().all() as string[])
        : []
    } finally {
      db.close()
    }
  }
  const GLOB = () => `--databases=${tenants()}/*.sqlite3`
  /** `count` empty databases (SQLite files with one table of the application). */
  const makeTenants = (count: number) => {
    mkdirSync(tenants(), { recursive: true })
    for (let n = 1; n <= count; n++) {
      const db = new Database(tenant(n))
      db.close()
    }
  }
  beforeEach(async () => {
    project = new TestProject('fleet')
    project.write('001_notes.sql', '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE notes;\n')
    project.write('002_tags.sql', '-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE tags;\n')
    await taskOutput(project, 'migrate:build')
  })
  afterEach(() => project.remove())

  it('migrates every database; a corrupt, a locked and a drifted one fail alone with their reason; a second run finishes the rest', async () => {
    makeTenants(8)
    writeFileSync(tenant(3), 'not a database, but text long enough to have a header of one hundred bytes or so..........')
    await taskOutput(project, 'migrate', [`--db=${tenant(5)}`])
    const drifted = new Database(tenant(5))
    drifted.prepare(`UPDATE migrations SET checksum = 'x' WHERE name = '001_notes.sql'`).run()
    drifted.close()
    const holder = new Database(tenant(7))
    holder.exec('BEGIN EXCLUSIVE')
    try {
      const failed = await runTask(project, 'migrate', [GLOB(), '--concurrency=1', '--continue-on-error', '--busy-timeout=50'])
      assert.ok(failed.error, failed.output)
      assert.match(failed.output, /t03\.sqlite3:? .*is not a SQLite database/)
      assert.match(failed.output, /t05\.sqlite3:? .*001_notes.*changed/)
      assert.match(failed.output, /t07\.sqlite3:? .*locked/)
      assert.match(failed.output, /Fleet of 8 databases: 5 migrated, 0 already up to date, 3 failed/)
      assert.match(failed.error.message, /^3 databases of 8 failed\. Each failed one is as it was before the migration that failed/)
      for (const n of [1, 2, 4, 6, 8]) assert.deepEqual(recorded(tenant(n)), ['001_notes.sql', '002_tags.sql'], `t${n}`)
    } finally {
      holder.close()
    }
    assert.deepEqual(recorded(tenant(7)), [])
    const again = await runTask(project, 'migrate', [GLOB(), '--concurrency=1', '--continue-on-error'])
    assert.match(again.output, /Fleet of 8 databases: 1 migrated, 5 already up to date, 2 failed/)
    assert.deepEqual(recorded(tenant(7)), ['001_notes.sql', '002_tags.sql'])
  })

  it('stops starting databases after the first failure, unless --continue-on-error; the rest are listed as not started', async () => {
    makeTenants(6)
    writeFileSync(tenant(2), 'not a database, but text long enough to have a header of one hundred bytes or so..........')
    const stopped = await runTask(project, 'migrate', [GLOB(), '--concurrency=1', '--json'])
    const report = JSON.parse(stopped.output.slice(stopped.output.indexOf('{'))) as {
      databases: Array<{ database: string; outcome: string }>
      summary: { migrated: number; failed: number; notStarted: number }
    }
    assert.deepEqual(
      report.databases.map((d) => d.outcome),
      ['migrated', 'failed', 'not-started', 'not-started', 'not-started', 'not-started'],
    )
    assert.deepEqual(report.summary, { ...report.summary, migrated: 1, failed: 1, notStarted: 4 })
    assert.deepEqual(recorded(tenant(3)), [])
  })

  it('--canary=N migrates N first and starts no other when one of them fails', async () => {
    makeTenants(5)
    writeFileSync(tenant(2), 'not a database, but text long enough to have a header of one hundred bytes or so..........')
    const error = await taskError(project, 'migrate', [GLOB(), '--canary=2', '--concurrency=1', '--continue-on-error'])
    assert.match(error.message, /1 database of 5 failed and 3 were not started \(a canary failed\)/)
    assert.deepEqual([recorded(tenant(1)).length, recorded(tenant(3)).length], [2, 0])
    writeFileSync(tenant(2), '')
    assert.match(await taskOutput(project, 'migrate', [GLOB(), '--canary=2', '--concurrency=1']), /4 migrated, 1 already up to date/)
  })

  it('reads the databases from @list.txt, one path a line', async () => {
    makeTenants(3)
    writeFileSync(join(project.dir, 'list.txt'), `# tenants\n${tenant(1)}\n\n${tenant(3)}\n`)
    const output = await taskOutput(project, 'migrate', [`--databases=@${join(project.dir, 'list.txt')}`, '--backup'])
    assert.match(output, /Fleet of 2 databases: 2 migrated/)
    assert.deepEqual(recorded(tenant(2)), [])
    // --backup: each database backed up next to it before its first change.
    assert.deepEqual(
      readdirSync(tenants())
        .filter((f) => f.endsWith('.backup'))
        .map((f) => f.slice(0, 3)),
      ['t01', 't03'],
    )
  })

  it('status summarises the fleet by version; check fails for databases behind (10) or drifted (11)', async () => {
    makeTenants(4)
    await taskOutput(project, 'migrate', [GLOB(), '--concurrency=1'])
    assert.match(await taskOutput(project, 'migrate:down', [GLOB(), '--concurrency=1']), /Fleet of 4 databases: 4 rolled back/)
    await taskOutput(project, 'migrate', [`--db=${tenant(1)}`])
    const status = await taskOutput(project, 'migrate:status', [GLOB()])
    assert.match(status, /Fleet of 4 databases: 1 up to date, 3 behind/)
    assert.match(status, /3 at 001_notes \(1 pending\)/)
    assert.match(status, /1 at 002_tags/)
    assert.match((await taskError(project, 'migrate:check', [GLOB()])).message, /exit code 10\): 3 of 4 databases are behind\.$/)
    const db = new Database(tenant(2))
    db.prepare(`UPDATE migrations SET checksum = 'x'`).run()
    db.close()
    assert.match(
      (await taskError(project, 'migrate:check', [GLOB()])).message,
      /exit code 11\): 1 of 4 databases have an applied migration changed or missing; 3 of 4 databases are behind/,
    )
    // The folder's own problems count for the fleet too: a file that is not a migration (16 beats 10, not 11).
    writeFileSync(join(project.migrationsDir, 'V9__later.sql'), 'SELECT 1;\n')
    assert.match(
      (await taskError(project, 'migrate:check', [GLOB()])).message,
      /exit code 11\).*not migrations, never applied: .*V9__later\.sql/,
    )
  })

  it('refuses --db with --databases, a glob that matches nothing, and a --baseline for a fleet', async () => {
    assert.match((await taskError(project, 'migrate', [GLOB(), '--db=x.sqlite3'])).message, /Give only one of --db/)
    assert.match((await taskError(project, 'migrate', [GLOB()])).message, /No database matches .*tenants\/\*\.sqlite3/)
    makeTenants(1)
    assert.match((await taskError(project, 'migrate', [GLOB(), '--baseline=001_notes'])).message, /Give only one of --baseline/)
  })

  it('a failed fleet rollback says not to run it again (it would roll the others back twice); a dry run says nothing changed', async () => {
    makeTenants(3)
    await taskOutput(project, 'migrate', [GLOB(), '--concurrency=1'])
    writeFileSync(tenant(2), 'not a database, but text long enough to have a header of one hundred bytes or so..........')
    const down = await runTask(project, 'migrate:down', [GLOB(), '--concurrency=1', '--continue-on-error', '--json'])
    const report = JSON.parse(down.output.slice(down.output.indexOf('{'))) as { databases: Array<{ outcome: string }> }
    assert.deepEqual(
      report.databases.map((d) => d.outcome),
      ['rolled-back', 'failed', 'rolled-back'],
    )
    assert.match(down.error?.message ?? '', /Do not run the same rollback again: it would roll back the others a second time/)
    writeFileSync(tenant(2), '')
    const dry = await runTask(project, 'migrate', [GLOB(), '--dry-run', '--json'])
    const rehearsal = JSON.parse(dry.output.slice(dry.output.indexOf('{'))) as {
      dryRun: boolean
      summary: { rehearsed: number; migrated: number }
    }
    assert.deepEqual([rehearsal.dryRun, rehearsal.summary.rehearsed, rehearsal.summary.migrated], [true, 3, 0])
    assert.deepEqual(recorded(tenant(1)), ['001_notes.sql'], 'the dry run changed nothing')
  })

  it('runs in worker threads: two at a time, the same results', async () => {
    makeTenants(6)
    const output = await taskOutput(project, 'migrate', [GLOB(), '--concurrency=2'])
    assert.match(output, /Fleet of 6 databases: 6 migrated/)
    for (let n = 1; n <= 6; n++) assert.deepEqual(recorded(tenant(n)), ['001_notes.sql', '002_tags.sql'])
  })
})
