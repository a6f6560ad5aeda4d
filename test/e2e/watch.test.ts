/**
 * `gulp migrate:watch` as a real child process: edit files, wait for the database, stop it with SIGINT. One
 * watcher goes through every step (each new watcher pays for loading TypeScript again).
 */
import { strict as assert } from 'node:assert'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, TestProject } from '../helpers/project'

class Watcher {
  readonly child: ChildProcess
  output = ''
  private readonly exited: Promise<number | null>

  constructor(project: TestProject) {
    this.child = spawn(
      process.execPath,
      [
        join(REPO, 'node_modules/gulp/bin/gulp.js'),
        '--gulpfile',
        join(REPO, 'gulpfile.ts'),
        '--cwd',
        project.dir,
        '--no-color',
        'migrate:watch',
      ],
      {
        env: { ...process.env, FORCE_COLOR: '0', DATABASE_PATH: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()))
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()))
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)))
  }

  /** Waits until the output (from `from` on) matches, and returns the position after the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const match = pattern.exec(this.output.slice(from))
      if (match) return from + match.index + match[0].length
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; output:\n${this.output}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGINT')
    return this.exited
  }
}

describe('gulp migrate:watch', function () {
  this.timeout(120_000)
  let project: TestProject
  let watcher: Watcher | undefined
  beforeEach(() => {
    project = new TestProject('watch')
    project.migration('001_base.ts', 'CREATE TABLE base (id INTEGER)', 'DROP TABLE base')
  })
  afterEach(async () => {
    if (watcher && watcher.child.exitCode === null) await watcher.stop()
    watcher = undefined
    project.remove()
  })

  const columns = (tableName: string) => {
    const db = new Database(project.dbPath, { readonly: true })
    try {
      return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(tableName) as Array<{ name: string }>).map((c) => c.name)
    } finally {
      db.close()
    }
  }

  it('migrates once, applies new files, redoes the newest when edited, survives errors, coalesces a burst of saves, and stops on SIGINT', async () => {
    watcher = new Watcher(project)
    let at = await watcher.waitFor(/Applied 001_base/)
    at = await watcher.waitFor(/Watching migrations \(\.ts and \.sql\) for changes/, at)

    // a file from the template applies harmlessly
    const created = await project.gulp(['migration:new', '--name=add_items'])
    assert.equal(created.code, 0, created.output)
    const file = readdirSync(project.migrationsDir).find((f) => f.endsWith('_add_items.ts')) as string
    const id = file.replace('.ts', '')
    at = await watcher.waitFor(new RegExp(`Applied ${id}`), at)

    // edited: redone (down of the applied version, then the new up)
    const write = (up: string, down: string) =>
      writeFileSync(
        join(project.migrationsDir, file),
        `import type { Migration } from 'gulp-sqlite-migrate'\nexport const up: Migration['up'] = (db) => { db.exec(${JSON.stringify(up)}) }\nexport const down: Migration['down'] = (db) => { db.exec(${JSON.stringify(down)}) }\n`,
      )
    write('CREATE TABLE items (id INTEGER)', 'DROP TABLE items')
    at = await watcher.waitFor(new RegExp(`Redid ${id}: rolled back the applied version and applied the new one`), at)
    assert.deepEqual(columns('items'), ['id'])
    write('CREATE TABLE items (id INTEGER, name TEXT)', 'DROP TABLE items')
    at = await watcher.waitFor(new RegExp(`Redid ${id}`), at)
    assert.deepEqual(columns('items'), ['id', 'name'])

    // a type error: reported with file:line:col, nothing applied, the watcher goes on
    writeFileSync(join(project.migrationsDir, file), `export const up = (): void => {\n  const n: number = 'x'\n}\n`)
    at = await watcher.waitFor(new RegExp(`migrations/${file}:2:9 - error TS2322`), at)
    assert.deepEqual(columns('items'), ['id', 'name'])

    // a failing up: rolled back, the applied version stays, the watcher goes on
    writeFileSync(
      join(project.migrationsDir, file),
      `import type { Migration } from 'gulp-sqlite-migrate'\nexport const up: Migration['up'] = (db) => { db.exec('CREATE TABLE items (id INTEGER, name TEXT, broken TEXT)'); throw new Error('not yet') }\nexport const down: Migration['down'] = (db) => { db.exec('DROP TABLE items') }\n`,
    )
    at = await watcher.waitFor(
      /Redo of migrations\/.*_add_items\.ts failed: not yet; it was rolled back, so the version applied before stays applied/,
      at,
    )
    assert.deepEqual(columns('items'), ['id', 'name'])

    // fixed on the next save
    write('CREATE TABLE items (id INTEGER, name TEXT, price REAL)', 'DROP TABLE items')
    at = await watcher.waitFor(new RegExp(`Redid ${id}`), at)
    assert.deepEqual(columns('items'), ['id', 'name', 'price'])

    // an older applied migration that changes is reported and left alone
    project.migration('001_base.ts', 'CREATE TABLE base (id INTEGER, extra TEXT)', 'DROP TABLE base')
    at = await watcher.waitFor(/001_base\.ts changed after it was applied, and it is no longer the newest; left alone/, at)
    assert.deepEqual(columns('base'), ['id'])
    project.migration('001_base.ts', 'CREATE TABLE base (id INTEGER)', 'DROP TABLE base') // restored

    // deleting the newest migration of the session rolls it back and removes its output
    rmSync(join(project.migrationsDir, file))
    await watcher.waitFor(new RegExp(`Rolled back ${id}: its source was deleted`), at)
    assert.deepEqual(columns('items'), [])
    assert.ok(!existsSync(join(project.distDir, `${id}.js`)))
    assert.deepEqual(project.recorded(), ['001_base.ts'])

    // a burst of saves is debounced into one run (or two, if the burst straddles the delay)
    const burstStart = watcher.output.length
    for (let i = 2; i <= 6; i++) project.migration(`00${i}_burst_${i}.ts`, `CREATE TABLE burst_${i} (id INTEGER)`)
    await watcher.waitFor(/Applied 006_burst_6/, burstStart)
    const runs = watcher.output.slice(burstStart).match(/Starting 'migrate:watch \(change\)'/g) ?? []
    assert.ok(runs.length <= 2, `expected the burst to be debounced into one or two runs, saw ${runs.length}:\n${watcher.output}`)
    assert.equal(project.recorded().length, 6)

    // a .sql migration is watched and applied too (its BEGIN … COMMIT replaced by the runner's transaction)
    const sqlStart = watcher.output.length
    project.write('007_tags.sql', 'BEGIN;\nCREATE TABLE tags (id INTEGER);\nCOMMIT;\n')
    await watcher.waitFor(/Applied 007_tags/, sqlStart)
    assert.deepEqual(columns('tags'), ['id'])

    assert.equal(await watcher.stop(), 0, watcher.output)
    assert.match(readFileSync(join(project.migrationsDir, 'schema.sql'), 'utf8'), /CREATE TABLE base[^]*CREATE TABLE burst_6/)
  })
})
