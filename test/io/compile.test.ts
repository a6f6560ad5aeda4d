/** The compile step in-process: configuration it must refuse, folders it cannot write, edits it must not miss. */
import { strict as assert } from 'node:assert'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileMigrations } from '../../tasks/io/compile'
import { listCompiledMigrations } from '../../tasks/io/migration-files'
import { MigrateError } from '../../tasks/errors'
import { describeProblem } from '../../tasks/problem-messages'
import { cliWording } from '../../tasks/gulp/wording'
import { REPO } from '../helpers/project'

describe('io/compile', function () {
  this.timeout(60_000)
  let dir: string
  let n = 0
  beforeEach(() => {
    dir = join(REPO, '.test-tmp', `compile-${process.pid}-${++n}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, '001_a.ts'),
      "export const up = (db: { exec(sql: string): void }) => { db.exec('CREATE TABLE a (x INTEGER)') }\n",
    )
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))
  const compile = () => compileMigrations({ sourceDir: dir, distDir: join(dir, 'dist') })

  it('refuses a broken tsconfig instead of compiling with the defaults, naming file, line and column', async () => {
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "commonjs", }, oops')
    const error = await compile().then(
      () => assert.fail('compiled'),
      (e: unknown) => e as MigrateError,
    )
    assert.equal(error.problem.kind, 'tsconfig-invalid')
    assert.match(error.message, /tsconfig\.json:1:\d+ - error TS\d+/)
    assert.equal(existsSync(join(dir, 'dist', '001_a.js')), false)
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "nope" } }')
    await assert.rejects(compile(), (e: unknown) => e instanceof MigrateError && /TS6046/.test(e.message))
  })

  it('says so in one line when the output folder cannot be written', async () => {
    writeFileSync(join(dir, 'dist'), 'a file where the folder should be')
    await assert.rejects(compile(), (e: unknown) => e instanceof MigrateError && e.problem.kind === 'output-unwritable')
  })

  it('compiles a same-size edit whose modification time was restored', async () => {
    await compile()
    const source = join(dir, '001_a.ts')
    const { atime, mtime } = statSync(source)
    writeFileSync(source, readFileSync(source, 'utf8').replace('TABLE a', 'TABLE b'))
    utimesSync(source, atime, mtime)
    const second = await compile()
    assert.deepEqual(second.compiled, ['001_a'])
    assert.match(readFileSync(join(dir, 'dist', '001_a.js'), 'utf8'), /TABLE b/)
  })

  it('a missing output folder says to compile first, not to create a migration', async () => {
    const error = (() => {
      try {
        listCompiledMigrations({ sourceDir: dir, distDir: join(dir, 'dist') })
      } catch (e) {
        return e as MigrateError
      }
      assert.fail('listed')
    })()
    assert.match(describeProblem(error.problem, cliWording()), /Compile the migrations first with `gulp migrate:build`/)
  })
})
