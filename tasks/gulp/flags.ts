/**
 * Command-line flags of the tasks, parsed with `node:util` `parseArgs`. gulp-cli passes its own flags and the
 * task names through `process.argv` too, so unknown flags are left alone; the values of ours are checked.
 * `npm run db:create-migration --name=x` arrives as `npm_config_name`, so that is read as a fallback.
 */
import { parseArgs } from 'node:util'
import { MigrateError } from '../errors'

export interface Flags {
  readonly name?: string | boolean
  readonly db?: string
  readonly busyTimeoutMs?: number
  readonly allowOutOfOrder: boolean
  readonly allowMissing: boolean
  readonly atomic: boolean
  readonly transactionPerMigration: boolean
  readonly json: boolean
  readonly force: boolean
  readonly step?: number
  readonly to?: string
  readonly all: boolean
  readonly baseline?: string
  readonly backup: boolean
  readonly dryRun: boolean
  readonly quiet: boolean
  readonly verbose: boolean
}

const OPTIONS = {
  name: { type: 'string' },
  db: { type: 'string' },
  'busy-timeout': { type: 'string' },
  'allow-out-of-order': { type: 'boolean' },
  'allow-missing': { type: 'boolean' },
  atomic: { type: 'boolean' },
  'transaction-per-migration': { type: 'boolean' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  step: { type: 'string' },
  to: { type: 'string' },
  all: { type: 'boolean' },
  baseline: { type: 'string' },
  backup: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const

function invalid(message: string): MigrateError {
  return new MigrateError('INVALID_NAME', message)
}

function stringFlag(value: unknown, flag: string, example: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw invalid(`--${flag} needs a value, for example --${flag}=${example}.`)
  return value
}

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min) throw invalid(`--${flag} must be a whole number of at least ${min}, got ${JSON.stringify(value)}.`)
  return n
}

export function parseFlags(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Flags {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true })
  const bool = (key: keyof typeof OPTIONS) => values[key] === true
  if (bool('atomic') && bool('transaction-per-migration'))
    throw invalid('--atomic and --transaction-per-migration exclude each other: pick one.')
  return {
    name: (values.name as string | boolean | undefined) ?? env.npm_config_name,
    db: stringFlag(values.db, 'db', 'data/app.sqlite3'),
    busyTimeoutMs: wholeNumber(stringFlag(values['busy-timeout'], 'busy-timeout', '30000'), 'busy-timeout', 0),
    allowOutOfOrder: bool('allow-out-of-order'),
    allowMissing: bool('allow-missing'),
    atomic: bool('atomic'),
    transactionPerMigration: bool('transaction-per-migration'),
    json: bool('json'),
    force: bool('force'),
    step: wholeNumber(stringFlag(values.step, 'step', '2'), 'step', 1),
    to: stringFlag(values.to, 'to', '20261126120000_add_users'),
    all: bool('all'),
    baseline: stringFlag(values.baseline, 'baseline', '20261126120000_add_users'),
    backup: bool('backup'),
    dryRun: bool('dry-run'),
    quiet: bool('quiet'),
    verbose: bool('verbose'),
  }
}
