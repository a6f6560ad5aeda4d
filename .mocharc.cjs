// Kysely and vinyl-fs do the same: --async-only so a test cannot pass by finishing early, and no .only on CI.
//
// Two jobs in parallel: the end-to-end tests spend most of their time in gulp child processes that use one core
// while the mocha process waits, so two files at a time keep both cores of a small machine busy. The slowest files
// start first, so the two jobs finish close together; every other test file follows in path order.
const { readdirSync } = require('node:fs')
const { join } = require('node:path')

const SLOWEST_FIRST = [
  'test/e2e/concurrency.test.ts',
  'test/e2e/consumer-toolchains.test.ts',
  'test/e2e/consumer.test.ts',
  'test/e2e/crash.test.ts',
  'test/e2e/migrate.test.ts',
  'test/io/compile-engines.test.ts',
  'test/e2e/bad-input.test.ts',
  'test/e2e/watch.test.ts',
  'test/e2e/operations.test.ts',
  'test/bench.test.ts',
]
const testFiles = readdirSync(join(__dirname, 'test'), { recursive: true })
  .map((file) => `test/${file.split('\\').join('/')}`)
  .filter((file) => file.endsWith('.test.ts') && !file.startsWith('test/fixtures/'))
  .sort()

module.exports = {
  require: ['sucrase/register/ts'],
  extension: ['ts'],
  spec: [...SLOWEST_FIRST.filter((file) => testFiles.includes(file)), ...testFiles.filter((file) => !SLOWEST_FIRST.includes(file))],
  parallel: true,
  jobs: 2,
  'async-only': true,
  timeout: 60000,
  forbidOnly: Boolean(process.env.CI),
}
