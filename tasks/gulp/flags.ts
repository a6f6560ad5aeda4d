/**
 * Command-line flags of the tasks, parsed with `node:util` `parseArgs`. gulp-cli passes its own flags and the
 * task names through `process.argv` too, so parsing is lenient about what it does not know; values are checked.
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
} as const

function flagValue(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') {
    throw new MigrateError('INVALID_NAME', `--${flag} needs a value, for example --${flag}=VALUE.`)
  }
  return value
}

export function parseFlags(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Flags {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true })
  const busy = flagValue(values['busy-timeout'], 'busy-timeout')
  let busyTimeoutMs: number | undefined
  if (busy !== undefined) {
    busyTimeoutMs = Number(busy)
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new MigrateError('INVALID_NAME', `--busy-timeout must be a whole number of milliseconds, got ${JSON.stringify(busy)}.`)
    }
  }
  const bool = (key: keyof typeof OPTIONS) => values[key] === true
  if (bool('atomic') && bool('transaction-per-migration')) {
    throw new MigrateError('INVALID_NAME', '--atomic and --transaction-per-migration exclude each other: pick one.')
  }
  return {
    name: (values.name as string | boolean | undefined) ?? env.npm_config_name,
    db: flagValue(values.db, 'db'),
    busyTimeoutMs,
    allowOutOfOrder: bool('allow-out-of-order'),
    allowMissing: bool('allow-missing'),
    atomic: bool('atomic'),
    transactionPerMigration: bool('transaction-per-migration'),
    json: bool('json'),
    force: bool('force'),
  }
}
