/**
 * The compile stage on both engines, in-process: gulp-typescript on this repository's TypeScript 5.9, and
 * TypeScript 7's native `tsc` (the dev dependency `typescript-7`, an alias of `typescript@7`). Each engine
 * goes through one story in one folder, one compile per step: a good folder, a type error, an edit, a
 * deleted source, the stream plugin's in-memory files, a watch session, a broken tsconfig.
 */
import { strict as assert } from 'node:assert'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import Vinyl from 'vinyl'
import { compileMigrations, compileVinyl, selectCompiler, writeCommonJsMarker, type CompileOptions } from '../../tasks/io/compile'
import { resolveTypeScript, type CompilerChoice } from '../../tasks/io/compile-engine'
import { BUILD_INFO_FILE, parseTscOutput } from '../../tasks/io/compile-tsc'
import { listCompiledMigrations } from '../../tasks/io/migration-files'
import { MigrateError } from '../../tasks/errors'
import { WatchSession, type WatchSessionOptions } from '../../tasks/watch'
import { REPO } from '../helpers/project'

const ENGINES: Array<{ title: string; engine: 'gulp-typescript' | 'tsc'; choice: CompilerChoice }> = [
  { title: 'gulp-typescript on TypeScript 5.9 (chosen from the version)', engine: 'gulp-typescript', choice: {} },
  { title: 'tsc of TypeScript 7 (chosen from the version)', engine: 'tsc', choice: { typescript: 'typescript-7' } },
]

const migration = (table: string) =>
  `import type { Database } from 'better-sqlite3'\n\n` +
  `export function up(db: Database): void {\n  db.exec('CREATE TABLE ${table} (x INTEGER)')\n}\n\n` +
  `export function down(db: Database): void {\n  db.exec('DROP TABLE ${table}')\n}\n`

// Line 3, column 9: `n`.
const TYPE_ERROR = `import type { Database } from 'better-sqlite3'\nexport function up(db: Database): void {\n  const n: number = 'x'\n  db.exec(String(n))\n}\n`

/** Everything in a folder (names and bytes), to prove a failed compile wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {}
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'base64')]))
}

async function rejection(promise: Promise<unknown>): Promise<MigrateError> {
  return promise.then(
    () => assert.fail('compiled'),
    (error: unknown) => {
      assert.ok(error instanceof MigrateError, String(error))
      return error
    },
  )
}

/** Files the tsc engine writes beside the sources for a run (generated tsconfig, shadow sources) must be gone after it. */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('.gulp-sqlite-migrate-'))

describe('io/compile engines', function () {
  this.timeout(60_000)

  describe('choosing the TypeScript and the engine', () => {
    it('finds the project’s TypeScript from the working directory, an alias, or a folder', async () => {
      assert.equal(resolveTypeScript().version, '5.9.3')
      assert.equal(resolveTypeScript('typescript-7').version, '7.0.2')
      assert.equal(resolveTypeScript('./node_modules/typescript-7', REPO).major, 7)
      assert.equal(selectCompiler({}).engine.name, 'gulp-typescript')
      assert.equal(selectCompiler({ typescript: 'typescript-7' }).engine.name, 'tsc')
      assert.equal(selectCompiler({ compiler: 'tsc' }).engine.name, 'tsc')
    })

    it('never loads gulp-typescript with TypeScript 7, and says why', async () => {
      const loaded = () => Object.keys(require.cache).some((file) => file.includes('/node_modules/gulp-typescript/'))
      const loadedBefore = loaded()
      const error = await rejection(
        compileVinyl([new Vinyl({ base: REPO, path: join(REPO, '001_a.ts'), contents: Buffer.from('') })], undefined, {
          compiler: 'gulp-typescript',
          typescript: 'typescript-7',
        }),
      )
      assert.equal(error.problem.kind, 'compile-failed')
      assert.match(error.message, /gulp-typescript cannot run TypeScript 7\.0\.2 .*no JavaScript compiler API.*'tsc'/)
      if (!loadedBefore) assert.equal(loaded(), false, 'gulp-typescript was loaded')
    })

    it('reads tsc’s plain output: file(line,col), global errors and their indented details', async () => {
      const output =
        "db/m/001_a.ts(3,9): error TS2322: Type 'string' is not assignable to type 'number'.\n" +
        "error TS2688: Cannot find type definition file for 'node'.\n  The file is in the program because:\n    Entry point\n"
      assert.deepEqual(parseTscOutput(output), [
        { file: 'db/m/001_a.ts', line: 3, column: 9, code: 2322, message: "Type 'string' is not assignable to type 'number'." },
        {
          code: 2688,
          message: "Cannot find type definition file for 'node'.\n    The file is in the program because:\n    Entry point",
        },
      ])
    })
  })

  for (const { title, engine, choice } of ENGINES) {
    describe(title, () => {
      let dir: string
      let dist: string
      let options: CompileOptions
      before(() => {
        dir = join(REPO, '.test-tmp', `engines-${engine}-${process.pid}`)
        dist = join(dir, 'dist')
        rmSync(dir, { recursive: true, force: true })
        mkdirSync(dir, { recursive: true })
        // `types: ['node']`: TypeScript must find @types from the folder of this tsconfig, whichever engine runs.
        writeFileSync(
          join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'commonjs', strict: true, skipLibCheck: true, types: ['node'] },
          }),
        )
        writeFileSync(join(dir, '001_a.ts'), migration('a'))
        writeFileSync(join(dir, '002_b.ts'), migration('b'))
        options = { sourceDir: dir, distDir: dist, ...choice }
      })
      after(() => rmSync(dir, { recursive: true, force: true }))

      it('compiles a folder to CommonJS, with the manifest and the dist/package.json marker', async () => {
        assert.equal(selectCompiler(choice).engine.name, engine)
        const result = await compileMigrations(options)
        writeCommonJsMarker(dist)
        assert.deepEqual(result.compiled, ['001_a', '002_b'])
        const output = readFileSync(join(dist, '001_a.js'), 'utf8')
        assert.match(output, /exports\.up = up/)
        assert.doesNotMatch(output, /^export /m)
        assert.equal(readFileSync(join(dist, 'package.json'), 'utf8'), '{"type":"commonjs"}\n')
        assert.deepEqual(
          listCompiledMigrations({ sourceDir: dir, distDir: dist }).map((m) => m.id),
          ['001_a', '002_b'],
        )
        assert.equal(existsSync(join(dist, BUILD_INFO_FILE)), engine === 'tsc', 'incremental build info in the output folder')
        assert.deepEqual(leftovers(dir), [])
      })

      it('a type error fails with file:line:col and writes nothing, not even the good edit beside it', async () => {
        writeFileSync(join(dir, '001_a.ts'), migration('a_edited'))
        writeFileSync(join(dir, '003_bad.ts'), TYPE_ERROR)
        const before = snapshot(dist)
        const error = await rejection(compileMigrations(options))
        assert.equal(error.problem.kind, 'compile-failed')
        const file = relative(process.cwd(), join(dir, '003_bad.ts'))
        assert.deepEqual(error.problem.kind === 'compile-failed' && error.problem.diagnostics, [
          `${file}:3:9 - error TS2322: Type 'string' is not assignable to type 'number'.`,
        ])
        assert.deepEqual(snapshot(dist), before)
        assert.deepEqual(leftovers(dir), [])
      })

      it('recompiles only the edited file once fixed, then removes the output of a deleted source', async () => {
        rmSync(join(dir, '003_bad.ts'))
        const edited = await compileMigrations(options)
        assert.deepEqual([edited.compiled, edited.unchanged], [['001_a'], 1])
        assert.match(readFileSync(join(dist, '001_a.js'), 'utf8'), /CREATE TABLE a_edited/)
        rmSync(join(dir, '002_b.ts'))
        const removed = await compileMigrations(options)
        assert.deepEqual([removed.compiled, removed.removed], [[], ['002_b']])
        assert.equal(existsSync(join(dist, '002_b.js')), false)
      })

      it('without TypeScript (a production install), an up-to-date folder passes; a changed source says to install it', async () => {
        const withoutTypeScript = { ...options, typescript: join(dir, 'no-typescript-here') }
        assert.deepEqual((await compileMigrations(withoutTypeScript)).compiled, [])
        writeFileSync(join(dir, '004_new.ts'), migration('new'))
        const error = await rejection(compileMigrations(withoutTypeScript))
        assert.match(error.message, /TypeScript \(.*no-typescript-here\) is not installed .*npm install --save-dev typescript/)
        rmSync(join(dir, '004_new.ts'))
      })

      it('compile() plugin: Vinyl files in (their contents, not the disk’s), CommonJS Vinyl files out', async () => {
        const inMemory = new Vinyl({ cwd: REPO, base: dir, path: join(dir, '001_a.ts'), contents: Buffer.from(migration('from_stream')) })
        const outputs = await compileVinyl([inMemory], join(dir, 'tsconfig.json'), choice)
        assert.deepEqual(
          outputs.map((f) => [f.relative, f.base]),
          [['001_a.js', dir]],
        )
        assert.match(String(outputs[0].contents), /exports\.up = up;[\s\S]*CREATE TABLE from_stream/)
        assert.deepEqual(leftovers(dir), [])
      })

      it('a watch session compiles what changed in each cycle and redoes an edited migration', async () => {
        const logged: string[] = []
        const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) }
        const sessionOptions = { ...options, databasePath: join(dir, 'app.sqlite3'), log }
        const session = new WatchSession(sessionOptions as WatchSessionOptions)
        assert.equal(await session.cycle(), true, logged.join('\n'))
        assert.match(logged.join('\n'), /Applied 001_a/)
        writeFileSync(join(dir, '001_a.ts'), migration('a_again'))
        assert.equal(await session.cycle(), true, logged.join('\n'))
        assert.match(logged.join('\n'), /Compiled 001_a \(\d+ ms\)[\s\S]*Redid 001_a/)
      })

      it('refuses a broken tsconfig, naming file, line and column', async () => {
        // `lib` keeps TypeScript 7 from reading the DOM declarations while it reports the error.
        writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "lib": ["ES2022"], "module": "commonjs", }, oops')
        const broken = await rejection(compileMigrations(options))
        assert.equal(broken.problem.kind, 'tsconfig-invalid')
        assert.match(broken.message, /tsconfig\.json:1:\d+ - error TS\d+/)
        writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "lib": ["ES2022"], "module": "nope" } }')
        const invalid = await rejection(compileMigrations(options))
        assert.equal(invalid.problem.kind, 'tsconfig-invalid')
        assert.match(invalid.message, /tsconfig\.json(:1:\d+)? - error TS6046/)
        assert.deepEqual(leftovers(dir), [])
      })
    })
  }
})
