/** What a fleet run prints: progress now and then, each failure as it happens, a summary; the fleet's versions. */
import type { FleetSummary, FleetVersions } from '../core/fleet'
import type { FleetDatabaseResult, FleetProgress } from '../fleet/run'
import { describeProblem, type Wording } from '../problem-messages'
import { formatMs, plural } from './report'
import { cliWording } from './wording'

/** Failures printed one by one before the rest is only counted (all of them are in `--json`). */
export const FAILURES_SHOWN = 50

const rate = (done: number, ms: number) => (ms > 0 ? (done * 1000) / ms : 0)

export function renderProgress(progress: FleetProgress): string {
  const perSecond = rate(progress.done, progress.elapsedMs)
  const of = progress.total === undefined ? '' : `/${progress.total} (${Math.floor((progress.done * 100) / progress.total)}%)`
  const left =
    progress.total !== undefined && perSecond > 0 ? `, about ${formatMs(((progress.total - progress.done) / perSecond) * 1000)} left` : ''
  const failed = progress.failed > 0 ? `, ${progress.failed} failed` : ''
  return `Fleet: ${progress.done}${of} ${progress.done === 1 && progress.total === undefined ? 'database' : 'databases'} done${failed}, ${perSecond.toFixed(0)}/s${left}`
}

/** The command line's words, where the database of a message is one of `--databases`, not `--db`. */
const CLI = cliWording()
const FLEET_WORDING: Wording = {
  option: (name, value) => (name === 'database' ? 'the --databases selection' : CLI.option(name, value)),
  command: CLI.command,
}

/** One line: the database, then why it failed, worded for the command line (the message names the file already, mostly). */
export function renderFailure(result: FleetDatabaseResult, label: (path: string) => string): string {
  const reason = (result.problem ? describeProblem(result.problem, FLEET_WORDING) : (result.error ?? 'failed')).split('\n')[0]
  const name = label(result.database)
  return reason.includes(name) ? reason : `${name}: ${reason}`
}

export function renderFleetSummary(summary: FleetSummary): string {
  const [changed, verb] =
    summary.operation === 'rollback'
      ? [summary.rolledBack, 'rolled back']
      : summary.operation === 'dry-run'
        ? [summary.rehearsed, 'would be migrated (rehearsed on a copy)']
        : [summary.migrated, 'migrated']
  const parts = [
    `${changed} ${verb}`,
    `${summary.upToDate} ${summary.operation === 'rollback' ? 'with nothing to roll back' : 'already up to date'}`,
    ...(summary.failed > 0 ? [`${summary.failed} failed`] : []),
    ...(summary.notStarted > 0 ? [`${summary.notStarted} not started`] : []),
  ]
  const perSecond = rate(summary.total, summary.durationMs).toFixed(0)
  return `Fleet of ${plural(summary.total, 'database')}: ${parts.join(', ')} (${formatMs(summary.durationMs)}, ${perSecond}/s)`
}

export function renderVersions(versions: FleetVersions, label: (path: string) => string): string[] {
  const drifted = versions.drifted.length > 0 ? `, ${versions.drifted.length} drifted` : ''
  const unreadable = versions.unreadable.length > 0 ? `, ${versions.unreadable.length} unreadable` : ''
  const lines = [
    `Fleet of ${plural(versions.total, 'database')}: ${versions.upToDate} up to date, ${versions.behind} behind${drifted}${unreadable}`,
  ]
  for (const group of versions.versions) {
    const at = group.lastApplied === null ? 'with no migration applied' : `at ${group.lastApplied}`
    lines.push(`  ${group.databases} ${at}${group.behind > 0 ? ` (${group.behind} pending)` : ''}`)
  }
  for (const d of versions.drifted.slice(0, FAILURES_SHOWN)) lines.push(`Drifted: ${label(d.database)} (${d.drifted.join(', ')})`)
  for (const d of versions.unreadable.slice(0, FAILURES_SHOWN)) {
    const reason = (d.problem ? describeProblem(d.problem, FLEET_WORDING) : (d.error ?? 'unreadable')).split('\n')[0]
    lines.push(`Unreadable: ${reason.includes(label(d.database)) ? reason : `${label(d.database)}: ${reason}`}`)
  }
  const hidden = Math.max(0, versions.drifted.length - FAILURES_SHOWN) + Math.max(0, versions.unreadable.length - FAILURES_SHOWN)
  if (hidden > 0) lines.push(`... and ${hidden} more (all of them are in --json)`)
  return lines
}
