/**
 * The one place where problems become sentences: what happened, then what to do. The caller's vocabulary
 * decides how options and commands are spelled: the API's (`{ step: 5 }`, `repairChecksums()`) by default,
 * the command line's (`--step=5`, `gulp migrate:repair`) from the gulp layer.
 */
import type { CommandName, FailureOutcome, OptionName, Problem, ProblemOf } from './problems'

export interface Wording {
  /** An option as the caller spells it, with its value when one is given. */
  option(name: OptionName, value?: string | number | boolean): string
  /** A command the user can run next. */
  command(name: CommandName): string
}

const API_COMMANDS: Record<CommandName, string> = {
  new: 'createMigration()',
  repair: 'repairChecksums()',
  unlock: 'releaseLease(db, { force: true })',
  build: 'compileMigrations()',
  migrate: 'applyMigrations()',
  status: 'migrationStatus()',
  down: 'rollbackMigrations()',
  redo: 'redoMigrations()',
}

/** The API's vocabulary: option names as in the options objects. */
export const API_WORDING: Wording = {
  option: (name, value) => (value === undefined ? `\`${name}\`` : `\`${name}: ${JSON.stringify(value)}\``),
  command: (name) => `\`${API_COMMANDS[name]}\``,
}

const NAME_RULE = (w: Wording) =>
  'use snake_case words of lowercase letters and digits (a-z, 0-9, "_" or "-" between words), at most 100 characters, ' +
  `for example ${w.option('name', 'add_user_table')}`

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const isAre = (list: readonly unknown[]) => (list.length === 1 ? 'is' : 'are')

function drift(p: ProblemOf<'drift'>, w: Wording): string {
  const parts: string[] = []
  if (p.changed.length > 0)
    parts.push(
      `${p.changed.join(', ')} changed after ${p.changed.length === 1 ? 'it was' : 'they were'} applied. ` +
        `Restore the applied version (git checkout), put the change in a new migration, or accept the new content with ${w.command('repair')}`,
    )
  if (p.missing.length > 0)
    parts.push(
      `${p.missing.join(', ')} ${isAre(p.missing)} recorded as applied but the file is gone. ` +
        `Restore the file, or run with ${w.option('allowMissing', true)} if it was removed on purpose`,
    )
  if (p.outOfOrder.length > 0)
    parts.push(
      `${p.outOfOrder.join(', ')} ${isAre(p.outOfOrder)} pending but sort${p.outOfOrder.length === 1 ? 's' : ''} before the newest applied migration ` +
        `(usually the result of merging two branches). Rename it with a newer timestamp, or run with ${w.option('allowOutOfOrder', true)}`,
    )
  return `Nothing was applied: the migration files and the database disagree. ${parts.join('. ')}.`
}

/** What became of the failed migration itself. */
function failedItself(outcome: FailureOutcome): string {
  if (outcome.transactionLost === 'committed')
    return 'a COMMIT inside it committed its statements so far without its record; check the database before running it again'
  if (outcome.transactionLost === 'closed') return 'it closed the connection, so SQLite rolled its transaction back'
  if (outcome.transactionLost === 'rolled-back') return 'SQLite rolled back the whole transaction under it, so it was undone completely'
  if (outcome.ranOutsideTransaction)
    return 'it ran outside a transaction, so statements before the failure may have stayed applied; check the database before running it again'
  return 'it was rolled back completely'
}

function migrationFailed(p: ProblemOf<'migration-failed'>): string {
  const { outcome } = p
  const verb = p.direction === 'up' ? 'applied' : 'rolled back'
  if (outcome.redo)
    return (
      `Redo of ${p.file} failed: ${p.cause}; it was rolled back, so the version applied before stays applied. ` +
      "Fix it and save again (a redo runs the applied version's down first, so that down must undo its up)."
    )
  const before =
    outcome.undone > 0
      ? `the ${outcome.undone} migration(s) before it in the same transaction were undone too`
      : outcome.kept > 0
        ? `${outcome.kept} migration(s) before it stay ${verb}`
        : undefined
  const parts = [
    `Migration ${p.file}${p.direction === 'down' ? ' (down)' : ''} failed: ${p.cause}`,
    failedItself(outcome),
    before,
    `${p.direction === 'up' ? 'later migrations were not run' : 'older migrations were not rolled back'}. Fix it and run the command again`,
  ]
  return parts.filter(Boolean).join('; ') + '.'
}

type Messages = { [K in Problem['kind']]: (p: ProblemOf<K>, w: Wording) => string }

const MESSAGES: Messages = {
  'invalid-migration-name': (p, w) =>
    p.rule === 'required'
      ? `A migration name is required: ${NAME_RULE(w)}.`
      : p.rule === 'too-long'
        ? `Migration name is ${String(p.name).length} characters long: ${NAME_RULE(w)}.`
        : `Invalid migration name ${JSON.stringify(p.name)}: ${NAME_RULE(w)}.`,
  'no-free-timestamp': (p) => `Could not find a free timestamp for ${p.name} in ${p.folder}. Wait a second and try again.`,
  'prefix-beyond-timestamps': (p) =>
    `The existing migration prefix ${p.prefix} is larger than any timestamp, so a new timestamped migration would sort before it. Rename that file or number new migrations by hand.`,
  'invalid-option': (p, w) => `${w.option(p.option)} must be ${p.expected}, got ${JSON.stringify(p.value)}.`,
  'conflicting-options': (p, w) => `Give only one of ${p.options.map((o) => w.option(o)).join(', ')}: they exclude each other.`,
  'unknown-flag': (p) =>
    `gulp ${p.task} does not accept ${p.flag}${p.suggestion ? `; did you mean ${p.suggestion}?` : '.'} Nothing was run. See \`gulp --tasks\` and docs/tasks-and-flags.md for the flags of each task.`,
  'npm-config-flag': (p) =>
    `npm passed ${p.flag}${p.value === 'true' ? '' : `=${p.value}`} to its own configuration, not to gulp, so it would be ignored; nothing was run. ` +
    `Put it after \`--\`: npm run ${p.script} -- ${p.flag}${p.value === 'true' ? '' : `=${p.value}`}`,
  'not-newest': (p, w) =>
    `${w.option('name', p.name)} is not the newest applied migration (applied after it: ${p.newer.join(', ')}); rolling it back alone could break them. Nothing was rolled back. ` +
    `Roll back everything after it first, or use ${w.option('to')} to roll back to a point.`,
  'no-run-recorded': (p, w) =>
    `The newest applied migration, ${p.name}, has no run recorded (a baseline recorded it, or an earlier version applied it), so there is no last run to roll back; nothing was rolled back. ` +
    `Name what to roll back with ${w.option('step', 'N')} or ${w.option('to')}.`,
  'not-pending': (p, w) => `${w.option('name', p.name)} is already applied; nothing was applied. See ${w.command('status')}.`,
  'would-skip': (p, w) =>
    `Applying ${p.name} alone would leave ${p.older.join(', ')} pending before it (out of order); nothing was applied. ` +
    `Apply them first, or run with ${w.option('allowOutOfOrder', true)}.`,
  'unknown-migration': (p, w) =>
    p.option === 'name'
      ? `${w.option('name', p.name)} names no migration; nothing was changed. Use a name from ${w.command('status')}.`
      : p.option === 'to'
        ? `${w.option('to', p.name)} names no migration; nothing was applied. Use a name from ${w.command('status')}, such as ${p.known.at(-1) ?? '20261126120000_add_users'}.`
        : `${w.option('baseline', p.name)} names no migration; nothing was recorded. Known: ${p.known.join(', ') || 'none'}.`,
  'not-applied': (p, w) =>
    `${w.option('to', p.name)} is not an applied migration; nothing was rolled back. Applied: ${p.applied.length > 0 ? p.applied.join(', ') : 'none'}.`,
  'step-too-large': (p, w) =>
    `${w.option('step', p.step)} but only ${p.applied} migration(s) are applied; nothing was rolled back. Use ${w.option('all', true)} to roll back everything.`,
  'nothing-to-repair': (p) => `${p.name} is not an applied migration whose source changed; nothing was repaired.`,
  drift,
  'baseline-refused': (p, w) =>
    p.reason === 'has-history'
      ? `${w.option('baseline')} is only for a database without migration history, and this one has a history. Run without ${w.option('baseline')}.`
      : `The database is empty, so there is nothing to baseline. Run without ${w.option('baseline')}.`,
  'no-history': (p, w) =>
    `${p.database} already has tables (${p.tables.slice(0, 5).join(', ')}${p.tables.length > 5 ? ', ...' : ''}) but no migration history, so it is probably not the database you meant; nothing was applied. ` +
    `Check ${w.option('database')}. If it is the right one, mark the migrations its schema already has as applied with ${w.option('baseline', 'NAME')}.`,
  'lease-held': (p, w) =>
    `Another runner is applying ${p.holder}, and it did not finish within the busy timeout of ${p.busyTimeoutMs} ms; nothing was changed. ` +
    `Wait for it and run again, or raise ${w.option('busyTimeoutMs', 'MS')}. If that process is known to be gone (on another machine), release its lease with ${w.command('unlock')}.`,
  'lease-live': (p, w) =>
    `The lease is held by a running process: ${p.holder}. Wait for it to finish; use ${w.option('force', true)} only if you are sure it is not running.`,
  'database-directory': (p, w) =>
    `Database path ${p.database} is a directory, not a file. Point ${w.option('database')} at a database file such as ${p.database}/app.sqlite3.`,
  'database-folder': (p, w) =>
    `Cannot create the folder for database ${p.database}: ${p.cause}. Create it, or point ${w.option('database')} at a writable location.`,
  'database-open-failed': (p) =>
    `Cannot open database ${p.database} (${p.cause}). Check that the path is right and that its folder exists and is writable.`,
  'database-locked': (p, w) =>
    `Database ${p.database} is locked by another connection and stayed locked for the busy timeout of ${p.busyTimeoutMs} ms; nothing was changed. ` +
    `Wait for the other writer to finish, or raise the timeout with ${w.option('busyTimeoutMs', 'MS')}.`,
  'database-readonly': (p) =>
    `Database ${p.database} is read-only (${p.cause}); nothing was changed. Make the file and its folder writable by this user (SQLite writes a journal next to the file).`,
  'not-a-database': (p, w) =>
    `${p.database} is not a SQLite database (${p.cause}). Check ${w.option('database')}: it must name a SQLite file, or a path where one can be created.`,
  'database-corrupt': (p) =>
    `Database ${p.database} is corrupt (${p.cause}); nothing was changed. Restore it from a backup, or check it with: sqlite3 ${p.database} "PRAGMA integrity_check"`,
  'migrations-folder': (p, w) =>
    `The ${p.role} folder ${p.folder} ${p.reason === 'missing' ? 'does not exist' : p.reason === 'not-a-folder' ? 'is not a folder' : p.cause}. ` +
    (p.role === 'compiled migrations'
      ? `Compile the migrations first with ${w.command('build')} (${w.command('migrate')} compiles, then applies).`
      : `Create a migration with ${w.command('new')}, or set ${w.option('migrationsDir')} to the folder that holds them.`),
  'no-migrations': (p, w) =>
    p.stray?.length
      ? `No migrations in ${p.folder}: migration names are NNN_name.ts or NNN_name.sql (3 or more digits, then an underscore), and ${count(p.stray.length, 'file')} there ${isAre(p.stray)} not: ${p.stray.join('; ')}.`
      : `No migrations in ${p.folder}. Create one with ${w.command('new')}.`,
  'duplicate-migration': (p) =>
    p.scope === 'sources'
      ? `Two migration files have the same name apart from case or extension: ${p.groups.map((g) => g.join(' and ')).join('; ')}. Rename or delete one of them; each migration needs a distinct name.`
      : `Compiled migrations differ only by case: ${p.groups.map((g) => g.join(' and ')).join('; ')}. Rename one of the sources.`,
  'stale-output': (p, w) =>
    `${p.file} has no source ${p.reason === 'not-in-manifest' ? 'in the compile manifest' : '(no .ts or .sql of that name in the migrations folder, and no compile manifest)'}, so it was not run. Run ${w.command('migrate')} (it recompiles and removes stale output) or delete the file.`,
  'compile-failed': (p) =>
    `${p.diagnostics.some((d) => / - error SQL: /.test(d)) ? 'Found' : 'TypeScript found'} ${p.diagnostics.length} error(s) in the migrations; nothing was compiled or applied:\n${p.diagnostics.join('\n')}`,
  'tsconfig-invalid': (p) =>
    `${p.file} is not a valid tsconfig, so nothing was compiled or applied (the compiler would otherwise fall back to its defaults): ${p.diagnostics.join('; ')}. Fix the file, or remove it to use the built-in CommonJS settings.`,
  'output-unwritable': (p) =>
    `Cannot write the compiled migrations to ${p.folder} (${p.cause}); nothing was applied. Make the folder writable by this user, or set distDir to a writable folder.`,
  'module-load-failed': (p) => `Migration ${p.file} threw while loading: ${p.cause}. Fix the module's top-level code; nothing was applied.`,
  'invalid-module': (p) => `Migration ${p.file} is not a valid migration: ${p.problems.join('; ')}. Nothing was applied.`,
  'cannot-roll-back': (p, w) => {
    const what = (b: (typeof p.blockers)[number]) =>
      b.reason === 'no-down'
        ? `${b.file} has no down`
        : b.reason === 'no-file'
          ? `${b.file} has no file (so no down)`
          : `${b.file} changed after it was applied, so its down may not undo what ran`
    const advice = [
      p.blockers.some((b) => b.reason !== 'changed') ? 'add the missing down (a down function, or a -- migrate:down section)' : '',
      p.blockers.some((b) => b.reason === 'changed') ? `restore the changed file, or accept it with ${w.command('repair')}` : '',
    ].filter(Boolean)
    return `Nothing was rolled back: ${p.blockers.map(what).join('; ')}. To roll back, ${advice.join(', and ')}; or roll back fewer migrations.`
  },
  'atomic-needs-transaction': (p, w) =>
    `${w.option('transactionMode', 'atomic')} runs every migration in one transaction, but ${p.file} must run outside one (transaction = false). Run it separately without it.`,
  'cannot-redo': (p, w) =>
    p.reason === 'no-down'
      ? `${p.file} cannot be redone: the applied version has no down. Roll back by hand or start a new database.`
      : `${p.file} runs outside a transaction or with foreign keys off, so it is not redone as one unit. Roll it back with ${w.command('down')}, then apply it with ${w.command('migrate')}.`,
  'watch-needs-gulp': () => 'migrate:watch needs gulp.watch: pass the gulp module itself to registerMigrationTasks.',
  'migration-failed': migrationFailed,
  'deferred-foreign-keys': (p) =>
    `The transaction of ${p.files.join(', ')} could not commit: deferred foreign key violation(s) (${p.violations.slice(0, 5).join('; ')}${p.violations.length > 5 ? '; ...' : ''}). ` +
    'All of them were rolled back. Fix the rows the migrations leave without a parent, or run the migration that caused it with `transactionMode` `each` to see which one.',
  'backup-failed': (p) =>
    `Could not write the backup ${p.destination} (${p.cause}); nothing was changed. Make its folder writable, free some space, or run without the backup.`,
  'rehearsal-failed': (p, w) => `The dry run failed (the database was not changed): ${p.problem ? describeProblem(p.problem, w) : p.cause}`,
  'no-space': (p) =>
    `Not enough free space in ${p.folder} for a copy of the database (${Math.ceil(p.neededBytes / 1e6)} MB needed, ${Math.floor(p.freeBytes / 1e6)} MB free); nothing was run. ` +
    'Free some space, or point TMPDIR at a folder with room.',
  'ledger-table-mismatch': (p, w) =>
    `The table ${p.table} exists but is not a migrations table of gulp-sqlite-migrate (its columns: ${p.columns.join(', ')}); nothing was changed. ` +
    `Choose another name with ${w.option('table')}, or move that table away.`,
  'verify-failed': (p) => {
    const broken = p.ids.filter((id) => !p.withoutDown?.includes(id))
    const parts: string[] = []
    if (broken.length > 0)
      parts.push(
        `${count(broken.length, 'migration')} ${broken.length === 1 ? 'does' : 'do'} not roll back cleanly: ${broken.join(', ')}. ` +
          `Fix ${broken.length === 1 ? 'its down function' : 'their down functions'} (what went wrong is listed above).`,
      )
    if (p.withoutDown?.length)
      parts.push(
        `${count(p.withoutDown.length, 'migration')} ${isAre(p.withoutDown)} without a down: ${p.withoutDown.join(', ')}. ` +
          'Add a `down` (or a `-- migrate:down` section) to verify it, or accept that it cannot be rolled back.',
      )
    return parts.join(' ')
  },
  'no-databases': (p, w) =>
    `No database matches ${p.selection}, so nothing was run. Check the pattern (quote it, so that the shell does not expand it) or the list file given to ${w.option('databases')}.`,
  'fleet-failed': (p, w) => {
    const stopped =
      p.notStarted > 0
        ? ` and ${p.notStarted} ${p.notStarted === 1 ? 'was' : 'were'} not started (${p.canary ? 'a canary failed' : `the first failure stops new ones; ${w.option('continueOnError')} goes on`})`
        : ''
    const next =
      p.operation === 'rollback'
        ? `Each failed one is as it was, unless its line says a migration ran outside a transaction. Do not run the same rollback again: it would roll back the others a second time. Fix the causes, then roll back the failed ones by name (${w.option('to', 'NAME')} or ${w.option('database')}).`
        : p.operation === 'dry-run'
          ? 'Nothing was changed (a dry run works on copies). Fix the causes listed, then rehearse again.'
          : 'Each failed one is as it was before the migration that failed, unless its line says that migration ran outside a transaction. Fix the causes listed, then run again: the databases already migrated are up to date and are skipped.'
    return `${count(p.failed, 'database')} of ${p.total} failed${stopped}. ${next}`
  },
  'schema-file-foreign': (p, w) =>
    `${p.file} was not written by gulp-sqlite-migrate (it has no generated header), so it was left as it is. ` +
    `Move or rename that file, or point ${w.option('schemaFile')} at another path (or set it to false).`,
  'check-failed': (p) => `migrate:check failed (exit code ${p.exitCode}): ${p.problems.join('; ')}.`,
}

/** The sentence for `problem`, in the caller's vocabulary (the API's by default). */
export function describeProblem(problem: Problem, wording: Wording = API_WORDING): string {
  return (MESSAGES[problem.kind] as (p: Problem, w: Wording) => string)(problem, wording)
}
