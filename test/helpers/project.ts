/**
 * Test fixtures: a throwaway project folder (under .test-tmp/ in the repository, so `node_modules` resolves),
 * real migration files, and real `gulp` child processes run against this repository's gulpfile.
 */
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const REPO = resolve(__dirname, '..', '..')
const GULP_BIN = join(REPO, 'node_modules', 'gulp', 'bin', 'gulp.js')
const TMP_ROOT = join(REPO, '.test-tmp')

/** The source of a migration whose `up` runs `sql` with `db.exec`, and whose `down` runs `downSql` when given. */
export function migrationSource(sql: string, downSql?: string): string {
  return (
    `import type { Migration } from 'gulp-sqlite-migrate'\n` +
    `export const up: Migration['up'] = (db) => {\n  db.exec(${JSON.stringify(sql)})\n}\n` +
    (downSql ? `export const down: Migration['down'] = (db) => {\n  db.exec(${JSON.stringify(downSql)})\n}\n` : '')
  )
}

export interface GulpRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** stdout and stderr together, ANSI colours removed. */
  readonly output: string
}

export class TestProject {
  readonly dir: string
  readonly migrationsDir: string
  readonly distDir: string
  readonly dbPath: string

  constructor(label = 'project') {
    this.dir = join(TMP_ROOT, `${label}-${process.pid}-${randomBytes(4).toString('hex')}`)
    this.migrationsDir = join(this.dir, 'migrations')
    this.distDir = join(this.migrationsDir, 'dist')
    this.dbPath = join(this.dir, 'data', 'app.sqlite3')
    mkdirSync(this.migrationsDir, { recursive: true })
    writeFileSync(
      join(this.migrationsDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'commonjs',
          strict: true,
          skipLibCheck: true,
          esModuleInterop: true,
          types: ['node'],
          paths: { 'gulp-sqlite-migrate': [join(REPO, 'tasks', 'types.d.ts')] },
        },
        include: ['*.ts'],
      }),
    )
  }

  /** Writes `migrations/<file>`. */
  write(file: string, source: string): string {
    const path = join(this.migrationsDir, file)
    writeFileSync(path, source)
    return path
  }

  /** Writes a migration whose `up` runs `sql` and whose `down` runs `downSql`. */
  migration(file: string, sql: string, downSql?: string): string {
    return this.write(file, migrationSource(sql, downSql))
  }

  /** A new project (its own folder) holding a copy of everything in this one: sources, compiled output, database. */
  clone(label = 'clone'): TestProject {
    const copy = new TestProject(label)
    cpSync(this.dir, copy.dir, { recursive: true, force: true })
    return copy
  }

  /** Runs gulp with this repository's gulpfile in this project's folder. `npx: true` goes through `npx gulp`. */
  gulp(
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; npx?: boolean; cwd?: string; uid?: number; gid?: number } = {},
  ): Promise<GulpRun> {
    const gulpArgs = ['--gulpfile', join(REPO, 'gulpfile.ts'), '--cwd', options.cwd ?? this.dir, '--no-color', ...args]
    return run(options.npx ? 'npx' : process.execPath, options.npx ? ['gulp', ...gulpArgs] : [GULP_BIN, ...gulpArgs], {
      cwd: REPO,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
    })
  }

  open(options: Database.Options = {}): Database.Database {
    return new Database(this.dbPath, options)
  }

  /** Names recorded in the migrations table, in order. */
  recorded(table = 'migrations'): string[] {
    const db = this.open({ readonly: true })
    try {
      return (db.prepare(`SELECT name FROM ${table} ORDER BY id`).all() as Array<{ name: string }>).map((r) => r.name)
    } finally {
      db.close()
    }
  }

  tables(): string[] {
    const db = this.open({ readonly: true })
    try {
      return (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{
          name: string
        }>
      ).map((r) => r.name)
    } finally {
      db.close()
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number },
): Promise<GulpRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', DATABASE_PATH: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      // eslint-disable-next-line no-control-regex
      const output = (stdout + stderr).replace(/\u001b\[[0-9;]*m/g, '')
      resolvePromise({ code, signal, stdout, stderr, output })
    })
  })
}

/** A full logical dump (schema and every row of every table), to prove a database did not change. */
export function dumpDatabase(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    const schema = db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`).all() as Array<{
      type: string
      name: string
    }>
    const rows = schema.filter((s) => s.type === 'table').map((s) => [s.name, db.prepare(`SELECT * FROM "${s.name}" ORDER BY rowid`).all()])
    return JSON.stringify({ schema, rows })
  } finally {
    db.close()
  }
}
