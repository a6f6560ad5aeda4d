/**
 * What a user does from the docs alone: `npm pack` this project, install the tarball into a fresh "type": "module"
 * project, then run the code blocks of README.md, docs/api.md and docs/writing-migrations.md there. The blocks are
 * read from the Markdown files when the test runs (test/helpers/markdown.ts), so editing an example is what is
 * tested, and a broken example fails `npm test`. One `npm install`; every other project below is a folder inside
 * this one, with its own package.json, that finds the installed packages by node's upward resolution.
 */
import { strict as assert } from 'node:assert'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, run, type GulpRun } from '../helpers/project'
import { blockAfter, codeBlocks, shellCommands, theBlock, type CodeBlock } from '../helpers/markdown'

const README = codeBlocks(join(REPO, 'README.md'))
const API = codeBlocks(join(REPO, 'docs', 'api.md'))
const WRITING = codeBlocks(join(REPO, 'docs', 'writing-migrations.md'))

const firstLine = (block: CodeBlock) => block.code.split('\n')[0].trim()
const LOADER_CONFIG = theBlock(README, 'the README’s `// .gulp.cjs`', (b) => firstLine(b) === '// .gulp.cjs')
const GULPFILE = theBlock(README, 'the README’s `// gulpfile.ts`', (b) => firstLine(b) === '// gulpfile.ts')
const INSTALL = theBlock(
  README,
  'the README’s `npm install --save-dev`',
  (b) => b.lang === 'sh' && b.code.includes('npm install --save-dev'),
)
const COMMANDS = blockAfter(README, GULPFILE, 'the commands after the gulpfile', (b) => b.lang === 'sh')
const MIGRATE_DATABASE = theBlock(API, 'docs/api.md’s `migrateDatabase()`', (b) => b.code.includes('export async function migrateDatabase'))
const TEST_HELPER = theBlock(API, 'docs/api.md’s `createMigratedDatabase()`', (b) => b.code.includes('= await createMigratedDatabase('))
const PIPELINE = theBlock(API, 'docs/api.md’s gulp plugins pipeline', (b) => b.code.includes('.pipe(apply('))
/** Every ```ts block of docs/writing-migrations.md that is a migration (whole, or a fragment that leaves out the import). */
const MIGRATION_EXAMPLES = WRITING.filter((b) => b.lang === 'ts' && b.code.includes('export const up'))

// Line 4, column 9: `n`.
const WITH_TYPE_ERROR = `import type { Migration } from 'gulp-sqlite-migrate'

export const up: Migration['up'] = (db) => {
  const n: number = 'x'
  db.exec(\`CREATE TABLE notes_\${n} (id INTEGER PRIMARY KEY)\`)
}
`
const WITHOUT_TYPE_ERROR = WITH_TYPE_ERROR.replace("const n: number = 'x'", 'const n: number = 1')

/** Where the README's gulpfile puts things; the assertions below read these. */
const README_PATHS = { migrationsDir: 'db/migrations', database: 'var/app.sqlite3', table: 'migrations' }

/** The README's install lists names; the test installs them at these versions (a new name in the README needs a pin here). */
const PINS: Record<string, string | null> = {
  'gulp-sqlite-migrate': null, // the tarball
  'better-sqlite3': null, // copied from this checkout (below)
  gulp: '5.0.1',
  '@types/gulp': '4.0.18',
  sucrase: '3.35.1',
  typescript: '7.0.2',
}

/** The rebuild example of docs/writing-migrations.md works on a `parent` with a view and a child that cascades: this sets them up. */
const REBUILD_SETUP = `import type { Migration } from 'gulp-sqlite-migrate'
export const up: Migration['up'] = (db) => {
  db.exec(\`
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
    CREATE VIEW parent_names AS SELECT name FROM parent;
    INSERT INTO parent (id, name) VALUES (1, 'a');
    INSERT INTO child (id, parent_id) VALUES (1, 1);
  \`)
}
`

/**
 * docs/writing-migrations.md's migrations, in its order, after the set-up of its rebuild example. Two of them are
 * fragments that leave out the first one's import; it is added, nothing else.
 */
const DOC_MIGRATIONS = [REBUILD_SETUP, ...MIGRATION_EXAMPLES.map((b) => b.code)].map((code, index) => ({
  file: `${String(index + 1).padStart(3, '0')}_${index === 0 ? 'parent_and_child' : `writing_migrations_example_${index}`}.ts`,
  code:
    /import type \{ Migration \}/.test(code) || !code.includes('Migration[')
      ? code
      : `import type { Migration } from 'gulp-sqlite-migrate'\n${code}`,
}))
/** Its users example, a whole migration with a `down` and one row: the one migration of the projects that are not the README's. */
const USERS = DOC_MIGRATIONS.find((m) => m.code.includes('CREATE TABLE users') && m.code.includes('export const down'))

/** Appended to docs/api.md's test-helper example, which has hooks but no test: prints what `db` holds. */
const HELPER_PROBE = `
it('gets a migrated database', () => {
  console.log(\`MIGRATED \${JSON.stringify(db.prepare('SELECT name FROM ${README_PATHS.table} ORDER BY id').pluck().all())}\`)
})
`

function read<T>(path: string, query: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return query(db)
  } finally {
    db.close()
  }
}
const recorded = (path: string, table = README_PATHS.table) =>
  read(path, (db) => db.prepare(`SELECT name FROM ${table} ORDER BY id`).pluck().all() as string[])
const columns = (path: string, table: string) =>
  read(path, (db) => db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[])

describe('consumer project (npm pack → npm install), running the docs’ code blocks', function () {
  this.timeout(600_000)
  let home: string
  let consumer: string
  let tarball: string
  /** Runs of the examples outside the README's project, started when the install is done (see `startTheOthers`). */
  const started: Record<string, Promise<GulpRun>> = {}

  /** `npx gulp ...` runs node_modules/.bin/gulp; so does this, without npx's half second of start-up. */
  const gulp = (cwd: string, ...args: string[]) => run(join(consumer, 'node_modules', '.bin', 'gulp'), ['--no-color', ...args], { cwd })
  const at = (...path: string[]) => join(consumer, ...path)
  const esm = (gulpfile: string) => `esm-${gulpfile.replace('.', '-')}`
  const GULPFILES = ['gulpfile.mjs', 'gulpfile.js']

  /** A folder of the installed project with its own package.json and migrations: node finds the packages one level up. */
  function folder(name: string, manifest: object, migrations: ReadonlyArray<{ file: string; code: string }>): string {
    const dir = at(name)
    mkdirSync(join(dir, README_PATHS.migrationsDir), { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest))
    for (const { file, code } of migrations) writeFileSync(join(dir, README_PATHS.migrationsDir, file), code)
    return dir
  }

  /**
   * docs/api.md's examples and the ESM gulpfiles, each in its own folder, start side by side with the README's commands
   * (those run one after another, so a core is free): each test below waits for its own run and checks what it did.
   */
  function startTheOthers(): void {
    assert.ok(USERS, 'docs/writing-migrations.md has its users example (CREATE TABLE users, with a down)')
    // A CommonJS folder: migrateDatabase() first, then the test helper under mocha (after it, so that the two never compile at once).
    const api = folder('api', { type: 'commonjs' }, [DOC_MIGRATIONS[0], USERS])
    writeFileSync(join(api, 'migrate-database.ts'), MIGRATE_DATABASE.code)
    writeFileSync(join(api, 'migrated-database.test.ts'), TEST_HELPER.code + HELPER_PROBE)
    const script = `require('./migrate-database.ts').migrateDatabase().then((r) => console.log(JSON.stringify(r)))`
    started.migrateDatabase = run(process.execPath, ['-r', 'sucrase/register/ts', '-e', script], { cwd: api })
    const mocha = [join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '--no-package']
    const spec = ['--require', 'sucrase/register/ts', '--extension', 'ts', 'migrated-database.test.ts']
    started.createMigratedDatabase = started.migrateDatabase.then(() => run(process.execPath, [...mocha, ...spec], { cwd: api }))

    // The pipeline's gulpfile in a folder of the ESM project (no package.json of its own: "type": "module" from above).
    const plugins = at('plugins')
    mkdirSync(join(plugins, README_PATHS.migrationsDir), { recursive: true })
    writeFileSync(join(plugins, README_PATHS.migrationsDir, USERS.file), USERS.code)
    writeFileSync(join(plugins, 'gulpfile.ts'), PIPELINE.code)
    started.pipeline = gulp(plugins, 'migrateDb')

    // docs/api.md says its examples type-check with `tsc --strict`: the project's own TypeScript checks them, and the README's gulpfile.
    const compilerOptions = {
      target: 'ES2022',
      module: 'commonjs',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['mocha'],
      typeRoots: [at('node_modules', '@types'), join(REPO, 'node_modules', '@types')],
    }
    const files = ['gulpfile.ts', 'api/migrate-database.ts', 'api/migrated-database.test.ts', 'plugins/gulpfile.ts']
    writeFileSync(at('tsconfig.docs.json'), JSON.stringify({ compilerOptions, files }))
    const tsc = at('node_modules', 'typescript', 'bin', 'tsc')
    started.typecheck = run(process.execPath, [tsc, '-p', 'tsconfig.docs.json', '--pretty', 'false'], { cwd: consumer })

    // TypeScript 7 as `npm install typescript` gives it: a type error fails with file:line:col and applies nothing,
    // then the fixed file applies (compiled by TypeScript 7's native tsc, with its build info in the output folder).
    const typed = folder('typescript-7', { type: 'module' }, [{ file: '001_notes.ts', code: WITH_TYPE_ERROR }])
    writeFileSync(join(typed, 'gulpfile.ts'), GULPFILE.code)
    started.typeError = gulp(typed, 'migrate').then(async (failed) => {
      writeFileSync(join(typed, README_PATHS.migrationsDir, '001_notes.ts'), WITHOUT_TYPE_ERROR)
      return { ...failed, fixed: await gulp(typed, 'migrate') } as GulpRun
    })

    // The README's gulpfile has no types: as it is, it is an ESM gulpfile.mjs, or a gulpfile.js in a "type": "module" package.
    // Their migrations are the CommonJS folder's, compiled by migrateDatabase() (so nothing compiles again: these are about the gulpfile).
    for (const gulpfile of GULPFILES) {
      writeFileSync(join(folder(esm(gulpfile), { type: 'module' }, []), gulpfile), GULPFILE.code)
      started[gulpfile] = started.migrateDatabase.then(() => {
        cpSync(join(api, 'db'), at(esm(gulpfile), 'db'), { recursive: true })
        return gulp(at(esm(gulpfile)), 'migrate')
      })
    }
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'gulp-sqlite-migrate-consumer-'))
    const packed = await run('npm', ['pack', '--pack-destination', home, '--ignore-scripts'], { cwd: REPO })
    assert.equal(packed.code, 0, packed.output)
    tarball = join(home, packed.stdout.trim().split('\n').at(-1) as string)
    consumer = join(home, 'app')
    cpSync(join(REPO, 'test', 'fixtures', 'consumer'), consumer, { recursive: true })
    // The README's set-up in its harder case: a "type": "module" package.
    assert.equal((JSON.parse(readFileSync(at('package.json'), 'utf8')) as { type?: string }).type, 'module')
    // better-sqlite3 compiles SQLite from source on install (most of `npm ci`'s one to two minutes); reuse the build this checkout already has.
    // (npm then keeps it, and does not install its run-time dependencies either, so those come along.)
    for (const pkg of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
      cpSync(join(REPO, 'node_modules', pkg), at('node_modules', pkg), { recursive: true })
    }
    // What the README's `npm install` lines name, at pinned versions.
    const names = shellCommands(INSTALL)
      .filter((command) => command[0] === 'npm' && command[1] === 'install')
      .flatMap((command) => command.slice(2).filter((arg) => !arg.startsWith('-')))
    assert.ok(names.includes('gulp-sqlite-migrate'), `${INSTALL.file}:${INSTALL.line} installs gulp-sqlite-migrate`)
    for (const name of names) assert.ok(name in PINS, `${INSTALL.file}:${INSTALL.line} installs ${name}: give it a version in PINS`)
    const specs = names.filter((name) => PINS[name]).map((name) => `${name}@${PINS[name]}`)
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...specs], { cwd: consumer })
    assert.equal(installed.code, 0, installed.output)
    for (const name of names) assert.ok(existsSync(at('node_modules', name, 'package.json')), `${name} is installed`)
    // The README's loader config and gulpfile, verbatim.
    writeFileSync(at('.gulp.cjs'), LOADER_CONFIG.code)
    writeFileSync(at('gulpfile.ts'), GULPFILE.code)
    startTheOthers()
  })
  after(async () => {
    await Promise.allSettled(Object.values(started))
    rmSync(home, { recursive: true, force: true })
  })

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

  it('README: .gulp.cjs, gulpfile.ts and its migration:new, migrate, migrate:status, applying docs/writing-migrations.md’s examples too', async () => {
    for (const [option, value] of Object.entries(README_PATHS)) {
      assert.ok(GULPFILE.code.includes(`${option}: '${value}'`), `${GULPFILE.file}:${GULPFILE.line} sets ${option}: '${value}'`)
    }
    const commands = shellCommands(COMMANDS)
    assert.deepEqual(
      commands.map((command) => command.slice(0, 3).join(' ')),
      ['npx gulp migration:new', 'npx gulp migrate', 'npx gulp migrate:status'],
      `${COMMANDS.file}:${COMMANDS.line}`,
    )
    const [create, migrate, status] = commands.map((command) => () => gulp(consumer, ...command.slice(2)))
    const migrations = at(README_PATHS.migrationsDir)
    // docs/writing-migrations.md's migrations go first: they ride along in the same compile.
    assert.ok(MIGRATION_EXAMPLES.length >= 3, 'docs/writing-migrations.md has its three migration examples')
    for (const { file, code } of DOC_MIGRATIONS) writeFileSync(join(migrations, file), code)
    const examples = DOC_MIGRATIONS.map((m) => m.file)

    const created = await create()
    assert.equal(created.code, 0, created.output)
    // The README's .gulp.cjs is read: gulp-cli preloads sucrase because of it.
    assert.match(created.output, /Preloaded external module: sucrase\/register\/ts/)
    assert.match(created.output, new RegExp(`Using gulpfile ${consumer}/gulpfile\\.ts`))
    const name = /--name=(\w+)/.exec(COMMANDS.code)?.[1] as string
    const [file] = readdirSync(migrations).filter((f) => f.endsWith(`_${name}.ts`))
    assert.ok(file, created.output)
    const path = join(migrations, file)
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        "export const up: Migration['up'] = (db) => {",
        "export const up: Migration['up'] = (db) => {\n  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')",
      ),
    )

    const migrated = await migrate()
    assert.equal(migrated.code, 0, migrated.output)
    const database = at(README_PATHS.database)
    assert.match(migrated.output, new RegExp(`Applied ${examples.length + 1} migrations in \\d+ ms \\(${README_PATHS.database}\\)`))
    assert.deepEqual(recorded(database), [...examples, file])
    assert.deepEqual(columns(database, 'notes'), ['id', 'body'])
    // writing-migrations.md: the users example's row; the rebuild added `kind`, and the cascading child row survived it.
    assert.deepEqual(
      read(database, (db) => db.prepare('SELECT email FROM users').pluck().all()),
      ['admin@example.com'],
    )
    assert.deepEqual(columns(database, 'parent'), ['id', 'name', 'kind'])
    assert.deepEqual(
      read(database, (db) => db.prepare('SELECT parent_id FROM child').pluck().all()),
      [1],
    )

    const listed = await status()
    assert.equal(listed.code, 0, listed.output)
    for (const id of [...examples, file]) assert.match(listed.output, new RegExp(`${id.replace('.ts', '')}\\s+applied`))
  })

  describe('docs/api.md’s examples and ESM gulpfiles, each in a folder of the installed project', () => {
    const ids = () => [DOC_MIGRATIONS[0].file, (USERS as { file: string }).file]

    it('migrateDatabase(), in a CommonJS folder: compiles, applies both migrations, redoes the newest, rolls it back', async () => {
      const applied = await started.migrateDatabase
      assert.equal(applied.code, 0, applied.output)
      const { results, report } = JSON.parse(applied.stdout.trim().split('\n').at(-1) as string) as {
        results: Array<{ id: string; outcome: string }>
        report: { migrations: Array<{ id: string; state: string }> }
      }
      const [first, newest] = ids().map((file) => file.replace('.ts', ''))
      assert.deepEqual(
        results.map((r) => [r.id, r.outcome]),
        [
          [first, 'applied'],
          [newest, 'applied'],
        ],
      )
      assert.deepEqual(
        report.migrations.map((m) => [m.id, m.state]),
        [
          [first, 'applied'],
          [newest, 'pending'],
        ],
      )
      const database = at('api', 'var', 'app.sqlite3')
      assert.deepEqual(recorded(database), [ids()[0]])
      assert.deepEqual(columns(database, 'parent'), ['id', 'name'])
      assert.deepEqual(columns(database, 'users'), [], 'rolled back')
    })

    it('createMigratedDatabase() in mocha hooks: the test gets a database with every migration', async () => {
      const mocha = await started.createMigratedDatabase
      assert.equal(mocha.code, 0, mocha.output)
      assert.match(mocha.output, /1 passing/)
      assert.deepEqual(JSON.parse(/^MIGRATED (.*)$/m.exec(mocha.stdout)?.[1] ?? 'null'), ids(), mocha.output)
    })

    it('the plugins pipeline (src → compile → commonjsMarker → dest → apply) as a gulp task of the ESM project', async () => {
      const piped = await started.pipeline
      assert.equal(piped.code, 0, piped.output)
      assert.match(piped.output, new RegExp(`Using gulpfile ${at('plugins')}/gulpfile\\.ts`))
      assert.ok(existsSync(at('plugins', README_PATHS.migrationsDir, 'dist', 'package.json')), 'commonjsMarker wrote the marker')
      const database = at('plugins', 'var', 'app.sqlite3')
      assert.deepEqual(recorded(database), [ids()[1]])
      assert.deepEqual(
        read(database, (db) => db.prepare('SELECT email FROM users').pluck().all()),
        ['admin@example.com'],
      )
    })

    it('those examples and the README’s gulpfile type-check (tsc --strict, the project’s TypeScript 7)', async () => {
      const typed = await started.typecheck
      assert.equal(typed.code, 0, typed.output)
    })

    it('one copy of better-sqlite3 and one of TypeScript, the project’s own (7)', async () => {
      const listed = await run('npm', ['ls', 'better-sqlite3', 'typescript', '--all', '--parseable', '--long'], { cwd: consumer })
      assert.equal(listed.code, 0, listed.output)
      assert.deepEqual(listed.stdout.trim().split('\n').sort(), [
        `${at('node_modules', 'better-sqlite3')}:better-sqlite3@12.11.1`,
        `${at('node_modules', 'typescript')}:typescript@${PINS.typescript}`,
      ])
    })

    it('on TypeScript 7 (native tsc): a type error fails with file:line:col and applies nothing; fixed, it applies', async () => {
      const failed = (await started.typeError) as GulpRun & { fixed: GulpRun }
      assert.notEqual(failed.code, 0, failed.output)
      assert.match(failed.output, /db\/migrations\/001_notes\.ts:4:9 - error TS2322: Type 'string' is not assignable to type 'number'/)
      assert.doesNotMatch(failed.output, /is not a function|Applied/)
      const dir = at('typescript-7')
      assert.equal(failed.fixed.code, 0, failed.fixed.output)
      assert.match(failed.fixed.output, /Applied 1 migration/)
      assert.deepEqual(recorded(join(dir, README_PATHS.database)), ['001_notes.ts'])
      assert.ok(existsSync(join(dir, README_PATHS.migrationsDir, 'dist', '.tsbuildinfo')), 'tsc keeps its build info in the output folder')
    })

    for (const gulpfile of GULPFILES) {
      it(`the README’s gulpfile as an ESM ${gulpfile} in a "type": "module" package: migrate`, async () => {
        const migrated = await started[gulpfile]
        assert.equal(migrated.code, 0, migrated.output)
        assert.match(migrated.output, new RegExp(`Using gulpfile ${at(esm(gulpfile))}/${gulpfile.replace('.', '\\.')}`))
        const database = at(esm(gulpfile), README_PATHS.database)
        assert.deepEqual(recorded(database), ids())
        assert.deepEqual(
          read(database, (db) => db.prepare('SELECT email FROM users').pluck().all()),
          ['admin@example.com'],
        )
      })
    }
  })
})
