/**
 * `gulp migrate --databases` as a deploy runs it: real gulp processes, real worker threads, 200 real SQLite files.
 * One corrupt, one read-only, one locked by another process for longer than the busy timeout and one with a changed
 * applied migration fail alone while the others migrate; a second run finishes the rest; two fleet runs at once
 * apply each migration to each database exactly once; a SIGKILL in the middle leaves every database before or after
 * each migration, and the next run finishes.
 */
import { strict as assert } from 'node:assert'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, TestProject } from '../helpers/project'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0
const COUNT = 200
const GULP = join(REPO, 'node_modules', 'gulp', 'bin', 'gulp.js')

function chownTree(path: string): void {
  chownSync(path, NOBODY, NOBODY)
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true }))
    chownSync(join(entry.parentPath, entry.name), NOBODY, NOBODY)
}

/** Root ignores file modes: the read-only case runs the fleet as `nobody` then, when nobody can read this checkout. */
const asNobody =
  isRoot &&
  spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(REPO, 'node_modules', 'better-sqlite3'))})`], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: '/',
  }).status === 0

describe('gulp migrate --databases: a fleet of 200 databases', function () {
  this.timeout(120_000)
  let project: TestProject
  const tenants = () => join(project.dir, 'tenants')
  const tenant = (n: number) => join(tenants(), `t${String(n).padStart(3, '0')}.sqlite3`)
  const fleet = (...args: string[]) =>
    project.gulp(
      ['migrate', `--databases=tenants/*.sqlite3`, ...args],
      asNobody ? { uid: NOBODY, gid: NOBODY, env: { HOME: project.dir } } : {},
    )
  /** Rows of the migrations table, and whether each migration's effect is there. */
  /** Opened read-write, as the next run opens it: after a SIGKILL, SQLite rolls a hot journal back on first access. */
  const state = (path: string) => {
    const db = new Database(path, { fileMustExist: true })
    try {
      const has = (name: string) => db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(name) !== undefined
      const recorded = has('migrations') ? (db.prepare('SELECT name FROM migrations ORDER BY id').pluck().all() as string[]) : []
      const rows = has('events') ? (db.prepare('SELECT count(*) FROM events').pluck().get() as number) : -1
      return { recorded, notes: has('notes'), rows, integrity: db.pragma('integrity_check', { simple: true }) }
    } finally {
      db.close()
    }
  }
  const BOTH = ['001_notes.sql', '002_events.sql']
  const consistent = (path: string) => {
    const s = state(path)
    assert.equal(s.integrity, 'ok', path)
    assert.equal(s.notes, s.recorded.includes('001_notes.sql'), `${path}: 001 applied exactly when recorded`)
    assert.equal(s.rows === 5000, s.recorded.includes('002_events.sql'), `${path}: 002 applied exactly when recorded (${s.rows} rows)`)
    return s
  }

  beforeEach(async () => {
    project = new TestProject('fleet-e2e')
    project.write('001_notes.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n')
    // Enough work per database (5000 rows) for a run to be caught in the middle.
    project.write(
      '002_events.sql',
      'CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT);\n' +
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO events (at) SELECT datetime('now') FROM n;\n",
    )
    const built = await project.gulp(['migrate:build'])
    assert.equal(built.code, 0, built.output)
    mkdirSync(tenants())
    for (let n = 1; n <= COUNT; n++) new Database(tenant(n)).close()
    if (asNobody) chownTree(project.dir)
  })
  afterEach(() => project.remove())

  it('isolates a corrupt, a read-only, a locked and a drifted database; the others migrate; a second run finishes them', async () => {
    writeFileSync(tenant(10), 'not a database, but text long enough to have a header of one hundred bytes or so..........')
    chmodSync(tenant(20), 0o444)
    if (asNobody) chownSync(tenant(20), 0, 0)
    const drifted = await project.gulp(['migrate', `--db=${tenant(40)}`])
    assert.equal(drifted.code, 0, drifted.output)
    new Database(tenant(40)).prepare(`UPDATE migrations SET checksum = 'x' WHERE name = '001_notes.sql'`).run()
    const holder = lockFor(tenant(30))
    try {
      await holder.locked
      const run = await fleet('--continue-on-error', '--busy-timeout=300')
      assert.equal(run.code, 1, run.output)
      assert.match(run.output, /t010\.sqlite3:? .*is not a SQLite database/)
      if (asNobody || !isRoot) assert.match(run.output, /t020\.sqlite3:? .*read-only/)
      assert.match(run.output, /t030\.sqlite3:? .*locked/)
      assert.match(run.output, /t040\.sqlite3:? .*001_notes.*changed/)
      const failed = asNobody || !isRoot ? 4 : 3
      assert.match(run.output, new RegExp(`Fleet of 200 databases: ${COUNT - failed} migrated, 0 already up to date, ${failed} failed`))
      for (let n = 1; n <= COUNT; n++) if (![10, 20, 30, 40].includes(n)) assert.deepEqual(consistent(tenant(n)).recorded, BOTH, `t${n}`)
    } finally {
      holder.child.kill('SIGKILL')
    }
    assert.deepEqual(consistent(tenant(30)).recorded, [])
    writeFileSync(tenant(10), '')
    chmodSync(tenant(20), 0o644)
    if (asNobody) chownTree(tenants())
    new Database(tenant(40)).prepare(`UPDATE migrations SET checksum = NULL`).run() // adopted again, as after a repair
    const again = await fleet()
    assert.equal(again.code, 0, again.output)
    assert.match(again.output, /Fleet of 200 databases: 3 migrated, 197 already up to date/)
  })

  it('two fleet runs at once apply each migration to each database exactly once', async () => {
    const [a, b] = await Promise.all([fleet('--concurrency=2'), fleet('--concurrency=2')])
    assert.equal(a.code, 0, a.output)
    assert.equal(b.code, 0, b.output)
    const migrated = [a, b].map((r) => Number(/: (\d+) migrated/.exec(r.output)?.[1]))
    assert.equal(migrated[0] + migrated[1], COUNT, `${a.output}\n${b.output}`)
    for (let n = 1; n <= COUNT; n++) assert.deepEqual(consistent(tenant(n)).recorded, BOTH, `t${n}`)
  })

  it('a SIGKILL in the middle leaves each database before or after each migration; the next run finishes', async () => {
    const child = spawn(
      process.execPath,
      [
        GULP,
        '--gulpfile',
        join(REPO, 'gulpfile.ts'),
        '--cwd',
        project.dir,
        'migrate',
        '--databases=tenants/*.sqlite3',
        '--concurrency=2',
        '--transaction-per-migration',
      ],
      {
        stdio: 'ignore',
        ...(asNobody ? { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: project.dir } } : {}),
      },
    )
    const exited = new Promise((resolve) => child.once('exit', resolve))
    // Kill it once some databases are done and most are not.
    for (let waited = 0; waited < 60_000 && migratedCount() < 10; waited += 20) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGKILL')
    await exited
    const done = migratedCount()
    assert.ok(done >= 10 && done < COUNT, `killed in the middle: ${done} of ${COUNT} migrated`)
    for (let n = 1; n <= COUNT; n++) consistent(tenant(n))
    const again = await fleet()
    assert.equal(again.code, 0, again.output)
    for (let n = 1; n <= COUNT; n++) assert.deepEqual(consistent(tenant(n)).recorded, BOTH, `t${n}`)

    function migratedCount(): number {
      let count = 0
      for (let n = 1; n <= COUNT; n++) {
        try {
          const db = new Database(tenant(n), { readonly: true, timeout: 0 })
          try {
            if ((db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'events'`).pluck().get() as number) > 0) count++
          } finally {
            db.close()
          }
        } catch {
          // being written right now
        }
      }
      return count
    }
  })
})

/** Another process that holds `path`'s write lock until it is killed. */
function lockFor(path: string): { child: ChildProcess; locked: Promise<void> } {
  const script = `const D = require(${JSON.stringify(join(REPO, 'node_modules', 'better-sqlite3'))}); const db = new D(${JSON.stringify(path)}); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)))
  })
  return { child, locked }
}
