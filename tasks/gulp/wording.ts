/** The command line's vocabulary for problems: flags instead of option names, gulp commands instead of functions. */
import type { Wording } from '../problem-messages'
import type { CommandName, OptionName } from '../problems'

const FLAG_OF: Record<OptionName, string> = {
  name: '--name',
  database: '--db',
  busyTimeoutMs: '--busy-timeout',
  allowOutOfOrder: '--allow-out-of-order',
  allowMissing: '--allow-missing',
  transactionMode: '--atomic',
  step: '--step',
  to: '--to',
  all: '--all',
  baseline: '--baseline',
  table: 'the table option of the gulpfile',
  migrationsDir: 'the migrationsDir option of the gulpfile',
  force: '--force',
  lastRun: '--last-run',
  atomic: '--atomic',
  transactionPerMigration: '--transaction-per-migration',
  backup: '--backup',
  dryRun: '--dry-run',
  json: '--json',
  quiet: '--quiet',
  verbose: '--verbose',
  schemaFile: 'the schemaFile option of the gulpfile',
  sql: '--sql',
  databases: '--databases',
  concurrency: '--concurrency',
  canary: '--canary',
  continueOnError: '--continue-on-error',
  driver: 'the driver option of the gulpfile',
}

const COMMAND_OF: Record<CommandName, string> = {
  new: 'migration:new --name=NAME',
  repair: 'migrate:repair',
  unlock: 'migrate:unlock --force',
  build: 'migrate:build',
  migrate: 'migrate',
  status: 'migrate:status',
  down: 'migrate:down',
  redo: 'migrate:redo',
}

/** Flags as typed (`--step=5`, `--db / DATABASE_PATH`), and commands with the registered task prefix. */
export function cliWording(taskPrefix = ''): Wording {
  return {
    option(name, value) {
      if (name === 'database') return '--db / DATABASE_PATH'
      if (name === 'transactionMode') return value === 'each' ? '--transaction-per-migration' : '--atomic'
      const flag = FLAG_OF[name]
      if (!flag.startsWith('--') || value === undefined || value === true) return flag
      return `${flag}=${String(value)}`
    },
    command: (name) => `\`gulp ${taskPrefix}${COMMAND_OF[name]}\``,
  }
}
