/**
 * Command-line flags, parsed with `node:util` `parseArgs`, per task: each task accepts only the flags it
 * understands (and gulp-cli's own), so a typo (`--dryrun`) or a flag of another task (`migrate:down
 * --dry-run`) is refused before anything runs, naming the closest known flag. Every boolean flag has its
 * `--no-` form, which overrides the gulpfile. From an npm script, flags written without `--` reach us as
 * npm configuration (`npm_config_dry_run`): those are refused with the command to type instead; only
 * `--name` (and `--sql`) are read from there, as `npm run db:create-migration --name=x` always worked.
 */
import { parseArgs } from 'node:util'
import { MigrateError } from '../errors'
import type { OptionName } from '../problems'

const FLAGS = {
  name: { type: 'string', example: 'add_user_table' },
  sql: { type: 'boolean' },
  db: { type: 'string', example: 'data/app.sqlite3' },
  'busy-timeout': { type: 'string', example: '30000' },
  'allow-out-of-order': { type: 'boolean' },
  'allow-missing': { type: 'boolean' },
  atomic: { type: 'boolean' },
  'transaction-per-migration': { type: 'boolean' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  step: { type: 'string', example: '2' },
  to: { type: 'string', example: '20261126120000_add_users' },
  all: { type: 'boolean' },
  baseline: { type: 'string', example: '20261126120000_add_users' },
  backup: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'last-run': { type: 'boolean' },
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
  databases: { type: 'string', example: "'data/tenants/*.sqlite3'" },
  concurrency: { type: 'string', example: '4' },
  canary: { type: 'string', example: '5' },
  'continue-on-error': { type: 'boolean' },
} as const

export type FlagName = keyof typeof FLAGS

/** gulp-cli 3's own options: always accepted, never ours. */
const GULP_CLI = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  preload: { type: 'string', multiple: true },
  require: { type: 'string', multiple: true },
  gulpfile: { type: 'string', short: 'f' },
  cwd: { type: 'string' },
  tasks: { type: 'boolean', short: 'T' },
  'tasks-simple': { type: 'boolean' },
  'tasks-json': { type: 'string' },
  'tasks-depth': { type: 'string' },
  depth: { type: 'string' },
  'compact-tasks': { type: 'boolean' },
  'sort-tasks': { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  silent: { type: 'boolean', short: 'S' },
  continue: { type: 'boolean' },
  series: { type: 'boolean' },
  'log-level': { type: 'boolean', short: 'L', multiple: true },
} as const

const CONNECTION: readonly FlagName[] = ['db', 'busy-timeout', 'verbose']
const OUTPUT: readonly FlagName[] = ['json', 'quiet']
const MODES: readonly FlagName[] = ['atomic', 'transaction-per-migration']
const DRIFT: readonly FlagName[] = ['allow-out-of-order', 'allow-missing']
/** Many databases in one run (see `tasks/fleet/`). */
const FLEET: readonly FlagName[] = ['databases', 'concurrency', 'canary', 'continue-on-error']

/** The flags each task accepts (for a series such as `migrate`, the flags of the whole series). */
export const TASK_FLAGS = {
  'migration:new': ['name', 'sql'],
  'migrate:make': ['name', 'sql'],
  'migrate:up': [...CONNECTION, ...OUTPUT, ...DRIFT, 'name', 'backup', 'dry-run'],
  migrate: [...CONNECTION, ...OUTPUT, ...MODES, ...DRIFT, ...FLEET, 'to', 'baseline', 'backup', 'dry-run'],
  'migrate:compile': [],
  'migrate:marker': [],
  'migrate:build': [],
  'migrate:apply': [...CONNECTION, ...OUTPUT, ...MODES, ...DRIFT, ...FLEET, 'to', 'baseline', 'backup', 'dry-run'],
  'migrate:status': ['db', 'busy-timeout', 'json', 'databases', 'concurrency'],
  'migrate:check': ['db', 'busy-timeout', 'json', 'databases', 'concurrency'],
  'migrate:down': [...CONNECTION, ...OUTPUT, ...MODES, ...FLEET, 'step', 'to', 'all', 'last-run', 'name', 'backup', 'dry-run'],
  'migrate:redo': [...CONNECTION, ...OUTPUT, 'step', 'backup', 'dry-run'],
  'migrate:verify': ['db', 'busy-timeout', ...MODES, ...DRIFT],
  'migrate:repair': [...CONNECTION, 'name', 'backup'],
  'migrate:unlock': ['db', 'busy-timeout', 'force'],
  'migrate:watch': ['db', 'busy-timeout', 'allow-out-of-order'],
} as const satisfies Record<string, readonly FlagName[]>

export type FlagTask = keyof typeof TASK_FLAGS

export interface Flags {
  readonly name?: string | boolean
  /** `migration:new --sql`: a `.sql` migration. */
  readonly sql?: boolean
  readonly db?: string
  readonly busyTimeoutMs?: number
  readonly allowOutOfOrder?: boolean
  readonly allowMissing?: boolean
  readonly atomic?: boolean
  readonly transactionPerMigration?: boolean
  readonly json?: boolean
  readonly force?: boolean
  readonly step?: number
  readonly to?: string
  readonly all?: boolean
  readonly lastRun?: boolean
  readonly baseline?: string
  /** `true` for `--backup`, `false` for `--no-backup`, `undefined` when neither was given (the gulpfile decides). */
  readonly backup?: boolean
  readonly dryRun?: boolean
  readonly quiet?: boolean
  readonly verbose?: boolean
  /** A glob or `@list.txt`: run on every database it names. */
  readonly databases?: string
  readonly concurrency?: number
  readonly canary?: number
  readonly continueOnError?: boolean
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }
  return previous[b.length]
}

/** Names people reach for from other tools, and what they mean here. */
const KNOWN_MISTAKES: Record<string, FlagName> = {
  database: 'db',
  'database-path': 'db',
  path: 'db',
  dryrun: 'dry-run',
  steps: 'step',
  timeout: 'busy-timeout',
  'out-of-order': 'allow-out-of-order',
  target: 'to',
}

/** The closest flag name within reach of a typo, preferring the task's own flags. */
export function closestFlag(name: string, candidates: readonly string[]): string | undefined {
  const bare = name.replace(/^no-/, '')
  const known = KNOWN_MISTAKES[bare]
  if (known !== undefined) return candidates.includes(known) ? known : undefined
  const scored = candidates.map((c) => ({ c, d: Math.min(distance(name, c), distance(bare, c)) })).sort((x, y) => x.d - y.d)
  const best = scored[0]
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.c : undefined
}

function unknownFlag(task: string, raw: string, accepted: readonly string[]): MigrateError {
  const name = raw.replace(/^-+/, '').split('=')[0]
  const own = closestFlag(name, accepted)
  // A flag of other tasks given exactly (migrate:down --dry-run) needs no "did you mean".
  const other = own ?? (name in FLAGS ? undefined : closestFlag(name, Object.keys(FLAGS)))
  const suggestion = own ? `--${own}` : other ? `--${other} (a flag of other tasks)` : undefined
  return new MigrateError({ kind: 'unknown-flag', flag: raw.split('=')[0], task, suggestion })
}

/** The option each flag sets, so that a problem with a flag is worded like any other (the CLI spells it back as the flag). */
const OPTION_OF: Record<FlagName, OptionName> = {
  name: 'name',
  sql: 'sql',
  db: 'database',
  'busy-timeout': 'busyTimeoutMs',
  'allow-out-of-order': 'allowOutOfOrder',
  'allow-missing': 'allowMissing',
  atomic: 'atomic',
  'transaction-per-migration': 'transactionPerMigration',
  json: 'json',
  force: 'force',
  step: 'step',
  to: 'to',
  all: 'all',
  baseline: 'baseline',
  backup: 'backup',
  'dry-run': 'dryRun',
  'last-run': 'lastRun',
  quiet: 'quiet',
  verbose: 'verbose',
  databases: 'databases',
  concurrency: 'concurrency',
  canary: 'canary',
  'continue-on-error': 'continueOnError',
}

function invalid(flag: FlagName, value: unknown, expected: string): MigrateError {
  return new MigrateError({ kind: 'invalid-option', option: OPTION_OF[flag], value, expected })
}

function wholeNumber(value: string | undefined, flag: FlagName, min: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min) throw invalid(flag, value, `a whole number of at least ${min}`)
  return Number(value)
}

/** Reads the raw values of `task`'s flags from `argv`, refusing anything else. */
function readValues(task: FlagTask, argv: readonly string[]): Map<FlagName, string | boolean> {
  const accepted: readonly FlagName[] = TASK_FLAGS[task]
  const { tokens } = parseArgs({ args: [...argv], options: { ...FLAGS, ...GULP_CLI }, strict: false, allowPositionals: true, tokens: true })
  const values = new Map<FlagName, string | boolean>()
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name in GULP_CLI) continue
    const negated = token.name.startsWith('no-') ? (token.name.slice(3) as FlagName) : undefined
    const name = (negated ?? token.name) as FlagName
    const spec = FLAGS[name] as { type: 'string' | 'boolean'; example?: string } | undefined
    if (!spec || !accepted.includes(name) || (negated && spec.type !== 'boolean')) throw unknownFlag(task, token.rawName, accepted)
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw invalid(name, token.value, `given without a value (--${name} or --no-${name})`)
      values.set(name, !negated)
    } else {
      // An empty --name= reaches createMigration, whose refusal states the naming rule.
      if (token.value === undefined || (token.value === '' && name !== 'name'))
        throw invalid(name, token.value ?? true, `given a value, for example --${name}=${spec.example}`)
      values.set(name, token.value)
    }
  }
  return values
}

/** Refuses our flags that npm swallowed as its configuration (`npm run x --dry-run` without `--`). */
function refuseNpmConfig(task: FlagTask, env: NodeJS.ProcessEnv): void {
  const script = env.npm_lifecycle_event
  if (!script) return
  for (const name of TASK_FLAGS[task] as readonly FlagName[]) {
    if (name === 'name' || name === 'sql') continue
    const value = env[`npm_config_${name.replace(/-/g, '_')}`]
    if (value !== undefined && value !== '') throw new MigrateError({ kind: 'npm-config-flag', flag: `--${name}`, value, script })
  }
}

/** npm's configuration value of a flag given to `npm run` (`--sql` → `'true'`). */
const npmBoolean = (value: string | undefined) => (value === undefined || value === '' ? undefined : value !== 'false')

export function parseFlags(task: FlagTask, argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Flags {
  refuseNpmConfig(task, env)
  const v = readValues(task, argv)
  const bool = (name: FlagName) => v.get(name) as boolean | undefined
  const str = (name: FlagName) => v.get(name) as string | undefined
  if (bool('atomic') && bool('transaction-per-migration'))
    throw new MigrateError({
      kind: 'invalid-option',
      option: 'transactionMode',
      value: 'atomic and each',
      expected: 'one mode: --atomic or --transaction-per-migration, not both',
    })
  return {
    name: (TASK_FLAGS[task] as readonly FlagName[]).includes('name') ? (str('name') ?? env.npm_config_name) : undefined,
    sql: (TASK_FLAGS[task] as readonly FlagName[]).includes('sql') ? (bool('sql') ?? npmBoolean(env.npm_config_sql)) : undefined,
    db: str('db'),
    busyTimeoutMs: wholeNumber(str('busy-timeout'), 'busy-timeout', 0),
    allowOutOfOrder: bool('allow-out-of-order'),
    allowMissing: bool('allow-missing'),
    atomic: bool('atomic'),
    transactionPerMigration: bool('transaction-per-migration'),
    json: bool('json'),
    force: bool('force'),
    step: wholeNumber(str('step'), 'step', 1),
    to: str('to'),
    all: bool('all'),
    lastRun: bool('last-run'),
    baseline: str('baseline'),
    backup: bool('backup'),
    dryRun: bool('dry-run'),
    quiet: bool('quiet'),
    verbose: bool('verbose'),
    databases: str('databases'),
    concurrency: wholeNumber(str('concurrency'), 'concurrency', 1),
    canary: wholeNumber(str('canary'), 'canary', 1),
    continueOnError: bool('continue-on-error'),
  }
}
