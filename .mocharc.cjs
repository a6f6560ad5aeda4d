// Kysely and vinyl-fs do the same: --async-only so a test cannot pass by finishing early, and no .only on CI.
module.exports = {
  require: ['sucrase/register/ts'],
  extension: ['ts'],
  spec: ['test/**/*.test.ts'],
  'async-only': true,
  timeout: 60000,
  forbidOnly: Boolean(process.env.CI),
}
