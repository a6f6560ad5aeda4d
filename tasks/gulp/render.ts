/** Text renderings of reports for the terminal. */
import { formatSchemaDiff } from '../core/schema'
import type { DryRunReport, VerifyReport } from '../rehearse'
import type { StatusReport } from '../status'
import { formatMs } from './report'

/** Left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ')
  return [line(header), ...rows.map(line)]
}

export function renderStatus(report: StatusReport, database: string): string[] {
  const rows = report.migrations.map((m) => [m.id, m.state, m.appliedAt ?? '', m.durationMs === null ? '' : formatMs(m.durationMs)])
  const counts = ['applied', 'pending', 'changed', 'missing', 'out-of-order']
    .map((state) => [state, report.migrations.filter((m) => m.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
  const lines = [
    `Database ${database}`,
    ...table(['Migration', 'State', 'Applied at', 'Duration'], rows),
    counts.join(', ') || 'No migrations',
  ]
  if (report.stale.length > 0) lines.push(`Stale compiled output (run gulp migrate:build): ${report.stale.join(', ')}`)
  if (report.schemaCurrent === false) lines.push('schema.sql does not match the database')
  return lines
}

export function renderDryRun(report: DryRunReport): string[] {
  const lines = [
    report.plan.length === 0
      ? 'Dry run: nothing to apply'
      : `Dry run: would apply ${report.plan.length} migration(s): ${report.plan.join(', ')}`,
  ]
  for (const m of report.migrations) {
    lines.push(
      `${m.status === 'applied' ? 'ok    ' : m.status.padEnd(6)} ${m.id} (${formatMs(m.durationMs)})${m.error ? `: ${m.error}` : ''}`,
    )
    for (const sql of m.statements) lines.push(`         ${sql.replace(/\s+/g, ' ').trim()}`)
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
    lines.push(`${r.ok ? 'ok  ' : 'FAIL'} ${r.id}`)
    lines.push(...r.problems.map((p) => `     ${p}`))
  }
  if (report.notVerified.length > 0)
    lines.push(`Not verified (a newer migration's down failed first, so the copy is not in their state): ${report.notVerified.join(', ')}`)
  if (report.results.length === 0) lines.push('Nothing to verify: no pending migrations')
  return lines
}
