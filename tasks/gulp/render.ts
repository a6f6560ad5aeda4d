/** Every text rendering of the tasks for the terminal: progress lines, summaries and reports. */
import { performance } from 'node:perf_hooks'
import { describeChangedHelper } from '../core/helper-drift'
import { formatSchemaDiff } from '../core/schema'
import type { RunEvent, RunResult } from '../run-log'
import type { DryRunReport, VerifyReport } from '../rehearse'
import type { StatusReport } from '../status'
import { formatMs, info, paint, plural, warn } from './report'

/** Left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ')
  return [line(header), ...rows.map(line)]
}

export function renderStatus(report: StatusReport, database: string): string[] {
  const when = (iso: string | null) => (iso ?? '').replace('T', ' ').replace(/(\.\d+)?Z$/, '') // UTC, as in the table's header
  const rows = report.migrations.map((m) => [m.id, m.state, when(m.appliedAt), m.durationMs === null ? '' : formatMs(m.durationMs)])
  const counts = ['applied', 'pending', 'changed', 'missing', 'out-of-order']
    .map((state) => [state, report.migrations.filter((m) => m.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
  const lines = [
    `Database ${database}`,
    ...table(['Migration', 'State', 'Applied at (UTC)', 'Duration'], rows),
    counts.join(', ') || 'No migrations',
  ]
  if (report.stale.length > 0) lines.push(`Stale compiled output (run gulp migrate:build): ${report.stale.join(', ')}`)
  if (report.schemaCurrent === false) lines.push('schema.sql does not match the database')
  for (const stray of report.stray) lines.push(stray.message)
  for (const change of report.changedHelpers) lines.push(`Helper ${describeChangedHelper(change)}`)
  return lines
}

/** Statements shown per migration in a dry run (the JSON output has them all). */
const DRY_RUN_STATEMENTS = 25

export function renderDryRun(report: DryRunReport): string[] {
  const verb = { apply: 'apply', rollback: 'roll back', redo: 'redo' }[report.operation]
  const lines = [
    report.plan.length === 0
      ? `Dry run: nothing to ${verb}`
      : `Dry run: would ${verb} ${report.plan.length} migration(s): ${report.plan.join(', ')}`,
  ]
  for (const m of report.migrations) {
    lines.push(
      `${m.outcome === 'applied' || m.outcome === 'reverted' ? 'ok    ' : m.outcome.padEnd(6)} ${m.id} (${formatMs(m.durationMs)})${m.error ? `: ${m.error}` : ''}`,
    )
    // A data migration of 45,000 INSERTs is not 45,000 lines: the first statements say what it does.
    for (const sql of m.statements.slice(0, DRY_RUN_STATEMENTS)) lines.push(`         ${sql.replace(/\s+/g, ' ').trim()}`)
    if (m.statements.length > DRY_RUN_STATEMENTS) lines.push(`         ... and ${m.statements.length - DRY_RUN_STATEMENTS} more statements`)
  }
  if (report.error) lines.push(`Dry run failed: ${report.error}`)
  lines.push(report.schemaChanges.length === 0 ? 'Schema: unchanged' : 'Schema changes:')
  lines.push(...formatSchemaDiff(report.schemaChanges).map((l) => `  ${l}`))
  lines.push('The database was not changed (the migrations ran on a temporary copy).')
  return lines
}

export function renderVerify(report: VerifyReport): string[] {
  const lines: string[] = []
  for (const r of report.results) {
    lines.push(`${r.ok ? 'ok     ' : r.withoutDown ? 'no down' : 'FAIL   '} ${r.id}`)
    if (!r.withoutDown) lines.push(...r.problems.map((p) => `        ${p}`))
  }
  if (report.notVerified.length > 0)
    lines.push(`Not verified (an older migration's up failed, so they could not be applied): ${report.notVerified.join(', ')}`)
  if (report.results.length === 0) lines.push('Nothing to verify: no pending migrations')
  return lines
}

/** Prints run events as they happen: one line per migration with its time, and progress on long runs. */
export function progress(quiet: boolean): (event: RunEvent) => void {
  let waited = false
  let lastProgress = performance.now()
  const timed = (verb: string, colour: 'green' | 'yellow', id: string, ms: number) =>
    !quiet && info(`${paint(colour, verb)} ${id} ${paint('dim', `(${formatMs(ms)})`)}`)
  return (event) => {
    if (event.type === 'applied') timed('Applied', 'green', event.id, event.durationMs)
    else if (event.type === 'reverted') timed('Rolled back', 'yellow', event.id, event.durationMs)
    else if (event.type === 'redone') {
      if (!quiet) info(`${paint('yellow', 'Rolled back')} ${event.id}, then`)
      timed('Applied', 'green', event.id, event.durationMs)
    } else if (event.type === 'migration-start') {
      // In batch mode the per-migration lines come at the commit; on long runs say how far it got meanwhile.
      if (!quiet && event.total > 1 && performance.now() - lastProgress > 2000) {
        lastProgress = performance.now()
        info(paint('dim', `... ${event.index} of ${event.total} (${event.id})`))
      }
    } else if (event.type === 'checksums-recorded')
      info(`Recorded checksums of ${plural(event.ids.length, 'migration')} adopted from the earlier runner (they had none)`)
    else if (event.type === 'baselined')
      info(`Baseline: recorded ${plural(event.ids.length, 'migration')} as applied without running them (${event.ids.at(-1)})`)
    else if (event.type === 'lease-broken') warn(event.reason)
    else if (event.type === 'waiting' && !waited) {
      waited = true
      info(event.reason)
    }
  }
}

/** The last line of a run: how many migrations it applied, rolled back or redid, and how long it took. */
export function renderSummary(result: RunResult, verb: 'Applied' | 'Rolled back' | 'Redid', database: string): string {
  const n = result.results.filter((r) => r.outcome === 'applied' || r.outcome === 'reverted').length
  return n === 0 && verb === 'Applied'
    ? `Database is up to date (${database})`
    : `${verb} ${plural(n, 'migration')} in ${formatMs(result.durationMs)} (${database})`
}
