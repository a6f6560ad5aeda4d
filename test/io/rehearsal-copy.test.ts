/** Rehearsal copies: a snapshot that finishes while another process writes, removed afterwards, and leftovers of killed runs cleaned. */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { withRehearsalCopy } from '../../tasks/io/rehearsal-copy'
import { MigrateError } from '../../tasks/errors'
import { REPO } from '../helpers/project'

describe('io/rehearsal-copy', function () {
  this.timeout(30_000)
  const dir = join(REPO, '.test-tmp', `rehearsal-${process.pid}`)
  const path = join(dir, 'app.sqlite3')
  before(() => {
    mkdirSync(dir, { recursive: true })
    const db = new Database(path)
    db.exec('CREATE TABLE blob (id INTEGER PRIMARY KEY, data BLOB); CREATE TABLE ticks (at INTEGER)')
    const insert = db.prepare('INSERT INTO blob (data) VALUES (randomblob(100000))')
    db.transaction(() => {
      for (let i = 0; i < 200; i++) insert.run() // 20 MB
    })()
    db.close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('finishes while another process commits every few milliseconds, and removes the copy afterwards', async () => {
    const writer = spawn(process.execPath, [
      '-e',
      `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(path)}, { timeout: 5000 });
       const tick = db.prepare('INSERT INTO ticks VALUES (?)'); process.stdout.write('ready\\n');
       setInterval(() => tick.run(Date.now()), 5); setTimeout(() => process.exit(0), 4000)`,
    ])
    await new Promise((resolve) => writer.stdout.once('data', resolve))
    let copyFile = ''
    const rows = await withRehearsalCopy(path, async (copy) => {
      copyFile = copy.name
      return copy.prepare('SELECT count(*) FROM blob').pluck().get()
    })
    writer.kill()
    assert.equal(rows, 200)
    assert.equal(existsSync(copyFile), false, 'the copy is removed')
  })

  it('removes the copies a killed run left behind, and refuses a file that is not a database in one line', async () => {
    const leftover = join(tmpdir(), 'gulp-sqlite-migrate-rehearsal-2147483646-deadbeef.sqlite3')
    writeFileSync(leftover, 'x')
    await withRehearsalCopy(path, async () => undefined)
    assert.equal(existsSync(leftover), false)
    const notADatabase = join(dir, 'notes.sqlite3')
    writeFileSync(notADatabase, 'just some text, long enough to be read as a header by SQLite......'.repeat(10))
    await assert.rejects(
      withRehearsalCopy(notADatabase, async () => undefined),
      (e: unknown) => e instanceof MigrateError && e.code === 'NOT_A_DATABASE',
    )
    assert.deepEqual(
      readdirSync(tmpdir()).filter((f) => f.startsWith(`gulp-sqlite-migrate-rehearsal-${process.pid}-`)),
      [],
    )
  })

  it('removes the copy when the process is stopped with SIGINT or SIGTERM in the middle of a rehearsal', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const child = spawn(
        process.execPath,
        [
          '-r',
          'sucrase/register/ts',
          '-e',
          `require(${JSON.stringify(join(REPO, 'tasks', 'io', 'rehearsal-copy.ts'))}).withRehearsalCopy(${JSON.stringify(path)}, (copy) => {
             process.stdout.write(copy.name + '\\n'); return new Promise(() => setInterval(() => {}, 1000)) })`,
        ],
        { cwd: REPO },
      )
      const copyPath = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())))
      assert.ok(existsSync(copyPath), 'the copy exists while the rehearsal runs')
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, s) => resolve(s)))
      child.kill(signal)
      assert.equal(await exited, signal, 'the process still stops as the signal asks')
      assert.equal(existsSync(copyPath), false, `the copy is gone after ${signal}`)
    }
  })
})
