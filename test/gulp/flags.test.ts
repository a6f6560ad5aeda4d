/** Per-task flags: only what a task understands, --no- forms, gulp-cli's own flags, npm configuration. */
import { strict as assert } from 'node:assert'
import { MigrateError } from '../../tasks/errors'
import { closestFlag, parseFlags, TASK_FLAGS, type FlagTask } from '../../tasks/gulp/flags'
import { cliWording } from '../../tasks/gulp/wording'
import { describeProblem } from '../../tasks/problem-messages'

function refusal(task: FlagTask, argv: string[], env: NodeJS.ProcessEnv = {}): MigrateError {
  try {
    parseFlags(task, argv, env)
  } catch (error) {
    assert.ok(error instanceof MigrateError, String(error))
    return error
  }
  assert.fail(`expected ${argv.join(' ')} to be refused by ${task}`)
}

describe('gulp/flags', () => {
  it('parses the flags of a task, and leaves gulp-cli flags and task names alone', async () => {
    const flags = parseFlags(
      'migrate:down',
      ['migrate:down', '--step=2', '--db', 'x.sqlite3', '--gulpfile', 'g.ts', '--cwd=/tmp', '--no-color', '-S', '--backup'],
      {},
    )
    assert.equal(flags.step, 2)
    assert.equal(flags.db, 'x.sqlite3')
    assert.equal(flags.backup, true)
    assert.equal(flags.dryRun, undefined)
  })

  for (const [task, flag, suggestion] of [
    ['migrate', '--dryrun', '--dry-run'],
    ['migrate:down', '--steps=2', '--step'],
    ['migrate', '--database=x', '--db'],
    ['migrate:down', '--baseline=x', undefined],
    ['migrate:down', '--baselin=x', '--baseline (a flag of other tasks)'],
    ['migrate', '--step=2', undefined],
    ['migrate:status', '--frobnicate', undefined],
  ] as const) {
    it(`${task} refuses ${flag}${suggestion ? `, suggesting ${suggestion}` : ''}`, async () => {
      const error = refusal(task, [task, flag])
      assert.equal(error.problem.kind, 'unknown-flag')
      if (error.problem.kind === 'unknown-flag') {
        assert.equal(error.problem.flag, flag.split('=')[0])
        assert.equal(error.problem.task, task)
        if (suggestion) assert.equal(error.problem.suggestion, suggestion)
      }
    })
  }

  it('suggests --db for --database (closest by edit distance within the task first)', async () => {
    assert.equal(closestFlag('database', ['db', 'baseline']), 'db', 'a name from other tools')
    assert.equal(closestFlag('dryrun', TASK_FLAGS.migrate), 'dry-run')
    assert.equal(closestFlag('xyzzy', TASK_FLAGS.migrate), undefined)
  })

  it('has a --no- form for every boolean flag, which overrides the gulpfile', async () => {
    assert.equal(parseFlags('migrate', ['--no-backup'], {}).backup, false)
    assert.equal(parseFlags('migrate', [], {}).backup, undefined, 'not given: the gulpfile decides')
    assert.equal(parseFlags('migrate', ['--no-allow-missing'], {}).allowMissing, false)
    assert.equal(refusal('migrate', ['--no-to']).problem.kind, 'unknown-flag', 'a string flag has no --no- form')
  })

  it('checks values: whole numbers, required values, no value on a boolean', async () => {
    assert.deepEqual(refusal('migrate:down', ['--step=two']).problem, {
      kind: 'invalid-option',
      option: 'step',
      value: 'two',
      expected: 'a whole number of at least 1',
    })
    assert.equal(refusal('migrate', ['--to']).problem.kind, 'invalid-option')
    assert.equal(refusal('migrate', ['--backup=yes']).problem.kind, 'invalid-option')
    for (const [flag, words] of [
      ['--backup=yes', /^--backup must be given without a value/],
      ['--transaction-per-migration=1', /^--transaction-per-migration must be given without a value/],
      ['--dry-run=no', /^--dry-run must be given without a value/],
    ] as const)
      assert.match(describeProblem(refusal('migrate', [flag]).problem, cliWording()), words, 'worded with the flag given')
    assert.equal(refusal('migrate', ['--atomic', '--transaction-per-migration']).problem.kind, 'invalid-option')
  })

  it('refuses our flags that npm swallowed as configuration, with the command to type', async () => {
    const env = { npm_lifecycle_event: 'db:migrate', npm_config_dry_run: 'true' }
    const error = refusal('migrate', ['migrate'], env)
    assert.deepEqual(error.problem, { kind: 'npm-config-flag', flag: '--dry-run', value: 'true', script: 'db:migrate' })
    assert.match(error.message, /npm run db:migrate -- --dry-run$/)
    const db = refusal('migrate', ['migrate'], { npm_lifecycle_event: 'db:migrate', npm_config_db: 'x.sqlite3' })
    assert.match(db.message, /npm run db:migrate -- --db=x\.sqlite3$/)
  })

  it('still reads --name from npm configuration, and ignores npm configuration outside npm scripts', async () => {
    assert.equal(
      parseFlags('migration:new', ['migration:new'], { npm_lifecycle_event: 'x', npm_config_name: 'add_users' }).name,
      'add_users',
    )
    assert.equal(parseFlags('migrate', ['migrate'], { npm_config_dry_run: 'true' }).dryRun, undefined)
  })

  it('reads --sql from npm configuration too (`npm run db:create-migration --name=x --sql`), and only for migration:new', async () => {
    const npm = { npm_lifecycle_event: 'db:create-migration', npm_config_name: 'add_tags', npm_config_sql: 'true' }
    assert.deepEqual(
      [parseFlags('migration:new', ['migration:new'], npm).sql, parseFlags('migration:new', ['migration:new', '--no-sql'], npm).sql],
      [true, false],
    )
    assert.equal(parseFlags('migration:new', ['migration:new'], { npm_config_sql: '' }).sql, undefined)
    assert.equal(refusal('migrate', ['migrate', '--sql']).problem.kind, 'unknown-flag')
  })
})
