/**
 * Timing: alternating rounds (every contender runs once per round, in turn, so a noisy neighbour slows all of
 * them alike), medians with min-max, ratios against our tool measured in the same run, and the targets.
 */
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'

export interface Contender {
  /** Stable key that targets refer to: `ours`, `knex-api`, `floor-all`, ... */
  readonly key: string
  readonly name: string
  /** Runs before every timed run (not timed). */
  readonly prepare?: () => void
  /** The timed work: a whole process, or (our tool at --smoke) a call in this process. */
  readonly run: () => void | Promise<void>
  /**
   * What it takes that a run may not have: the bench/ peers, or a full run (skipped at --smoke: a cold `tsc -p`
   * compile, or a second figure for a path that --smoke already proves).
   */
  readonly needs?: 'peers' | 'full-run'
}

/** A contender that is one process, run to completion; a non-zero exit fails the bench with its output. */
export function processContender(
  key: string,
  name: string,
  command: readonly string[],
  cwd: string,
  more: Pick<Contender, 'prepare' | 'needs'> = {},
): Contender {
  return { key, name, ...more, run: () => runProcess(name, command, cwd) }
}

export function runProcess(name: string, [cmd, ...args]: readonly string[], cwd: string): void {
  const env = { ...process.env, FORCE_COLOR: '0', DATABASE_PATH: '' }
  const result = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${name} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`)
}

/** Runs `prepare`, then times `run`, in milliseconds. */
export async function timeOnce(c: Contender): Promise<number> {
  c.prepare?.()
  const started = performance.now()
  await c.run()
  return performance.now() - started
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export interface Measured {
  readonly key: string
  readonly name: string
  readonly median: number
  readonly min: number
  readonly max: number
}

export function summarise(key: string, name: string, samples: readonly number[]): Measured {
  return { key, name, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) }
}

/** `warmups` untimed runs of every contender, then `runs` rounds in which every contender runs once, in turn. */
export async function measure(contenders: readonly Contender[], rounds: { runs: number; warmups: number }): Promise<Measured[]> {
  for (let w = 0; w < rounds.warmups; w++) for (const c of contenders) await timeOnce(c)
  const samples = contenders.map((): number[] => [])
  for (let round = 0; round < rounds.runs; round++) {
    for (const [i, c] of contenders.entries()) samples[i].push(await timeOnce(c))
  }
  return contenders.map((c, i) => summarise(c.key, c.name, samples[i]))
}

export const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)

/**
 * The title, then one line per contender. Without `baseline`, every line after the first (ours) says
 * `ours / this = N.NNx`; with it, the baseline's line says `(baseline)` and every other `this / baseline = N.NNx`
 * (no ratio at all when the baseline was not timed).
 */
export function printMeasured(title: string, results: readonly Measured[], baseline?: string): void {
  const [ours] = results
  const base = baseline === undefined ? undefined : results.find((r) => r.key === baseline)
  const ratioOf = (r: Measured) => {
    if (baseline === undefined) return r === ours ? '' : `   ours / this = ${(ours.median / r.median).toFixed(2)}x`
    if (!base) return ''
    return r === base ? '   (baseline)' : `   this / baseline = ${(r.median / base.median).toFixed(2)}x`
  }
  console.log(`\n${title}`)
  for (const r of results) {
    console.log(`  ${r.name.padEnd(64)} ${fmt(r.median).padStart(8)}  [${fmt(r.min)} - ${fmt(r.max)}]${ratioOf(r)}`)
  }
}

/** The "Targets" section: each target met or MISSED, printed at the end of the run. */
export class Targets {
  private readonly lines: string[] = []

  check(label: string, value: number, limit: number, unit: 'x' | ' ms'): void {
    const verdict = value <= limit ? 'met   ' : 'MISSED'
    this.lines.push(`  ${verdict} ${label}: ${value.toFixed(unit === 'x' ? 2 : 1)}${unit} (target <= ${limit}${unit})`)
  }

  print(): void {
    console.log(`\nTargets\n${this.lines.join('\n')}`)
  }
}
