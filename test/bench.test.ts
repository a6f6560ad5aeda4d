/**
 * CI runs the benchmark at its smoke size: it must run end to end, print every scenario of the table, and report
 * well-formed figures, ratios and targets. Benchmarks are not timed tests: no figure and no target is asserted.
 */
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { ENGINES } from '../bench/engines'
import { printMeasured, summarise } from '../bench/harness'
import { parseOptions } from '../bench/run'
import { SCENARIOS, type RoundsScenario, type Scenario } from '../bench/scenarios'
import { REPO, run } from './helpers/project'

const DURATION = String.raw`\d+ ms|\d+\.\d\d s`
/**
 * `  name   median  [min - max]`, then `   ours / this = N.NNx` on every line but ours; in a scenario with a
 * baseline, `   (baseline)` on its line and `   this / baseline = N.NNx` on every other.
 */
const MEASURED = new RegExp(
  String.raw`^  (\S.*?) +(${DURATION})  \[(${DURATION}) - (${DURATION})\](?:   ours / this = (\d+\.\d\d)x|   this / baseline = (\d+\.\d\d)x|   (\(baseline\)))?$`,
)
const TARGET = /^ {2}(met {3}|MISSED) (.+): (\d+\.\d+)(x| ms) \(target <= (\d+(?:\.\d+)?)(x| ms)\)$/

const ms = (text: string) => (text.endsWith(' s') ? Number(text.slice(0, -2)) * 1000 : Number(text.slice(0, -3)))

/** The printed blocks (separated by blank lines), keyed by their first line. */
function blocks(output: string): Map<string, string[]> {
  const lines = output.split(/\n{2,}/).map((block) => block.split('\n').filter((line) => line !== ''))
  return new Map(lines.filter((block) => block.length > 0).map(([title, ...rest]) => [title, rest]))
}

function assertRounds(scenario: RoundsScenario, title: string, lines: readonly string[]): void {
  assert.ok(lines.length > 0, `${title}: no contender was timed`)
  const parsed = lines.map((line) => {
    const m = MEASURED.exec(line)
    assert.ok(m, `${title}: malformed line ${JSON.stringify(line)}`)
    const [, name, median, min, max, ours, toBaseline, isBaseline] = m
    assert.ok(ms(min) <= ms(median) && ms(median) <= ms(max), `${title}: median outside [min - max] in ${JSON.stringify(line)}`)
    return { line, name, ours, toBaseline, isBaseline }
  })
  if (scenario.baseline !== undefined) {
    // In an engine scenario, every engine is timed (a line naming it); each line is divided by the baseline when
    // that was timed (not at --smoke).
    for (const engine of scenario.atFleetSizes ? [] : ENGINES) {
      assert.ok(
        parsed.some(({ name }) => name.startsWith(`gulp-sqlite-migrate, ${engine.label}:`)),
        `${title}: no line for ${engine.label}`,
      )
    }
    const timed = parsed.filter((p) => p.isBaseline !== undefined).length
    assert.ok(timed <= 1, `${title}: more than one baseline`)
    for (const p of parsed) {
      assert.equal(p.ours, undefined, `${title}: "ours / this" in a scenario with a baseline: ${JSON.stringify(p.line)}`)
      if (p.isBaseline === undefined) {
        assert.equal(
          p.toBaseline !== undefined,
          timed === 1,
          `${title}: a ratio to the baseline iff it was timed: ${JSON.stringify(p.line)}`,
        )
      }
    }
    return
  }
  for (const [i, { line, name, ours: ratio, toBaseline, isBaseline }] of parsed.entries()) {
    assert.ok(
      toBaseline === undefined && isBaseline === undefined,
      `${title}: a baseline ratio without a baseline: ${JSON.stringify(line)}`,
    )
    if (i === 0) {
      assert.match(name, /^gulp-sqlite-migrate/, `${title}: ours must come first (the baseline of the ratios)`)
      assert.equal(ratio, undefined, `${title}: ours has no ratio to itself`)
    } else {
      assert.ok(ratio !== undefined && Number.isFinite(Number(ratio)), `${title}: no "ours / this" ratio in ${JSON.stringify(line)}`)
    }
  }
}

function assertProbe(scenario: Scenario, title: string, lines: readonly string[]): void {
  const text = lines.join('\n')
  if (scenario.id === 'helper') {
    assert.match(text, new RegExp(String.raw`^  first call \(migrates\)  (${DURATION})\n  each later call +\d+\.\d\d ms \(median of 21\)$`))
  } else if (scenario.id === 'watch') {
    assert.match(
      text,
      new RegExp(String.raw`^  (skipped at --smoke: .+|median (${DURATION})  \[(${DURATION}) - (${DURATION})\] over \d+ saves)$`),
    )
  } else {
    assert.ok(lines.length > 0, `${title}: nothing reported`)
  }
}

describe('bench (smoke size)', function () {
  this.timeout(120_000)

  it('runs every scenario of the table and reports well-formed medians, ratios and targets', async () => {
    const result = await run(process.execPath, ['-r', 'sucrase/register/ts', join(REPO, 'bench', 'run.ts'), '--smoke'], { cwd: REPO })
    assert.equal(result.code, 0, result.output)
    assert.equal(result.stderr, '', result.output)
    const printed = blocks(result.stdout)
    const options = parseOptions(['--smoke'])

    for (const scenario of SCENARIOS) {
      for (const n of scenario.atWatchSizes ? options.watchSizes : scenario.atFleetSizes ? options.fleetSizes : options.sizes) {
        const title = scenario.title(n)
        const lines = printed.get(title)
        assert.ok(lines, `scenario ${scenario.id} at ${n} not printed:\n${result.stdout}`)
        if (scenario.kind === 'rounds') assertRounds(scenario, title, lines)
        else assertProbe(scenario, title, lines)
      }
    }
    assert.ok(
      [...printed.values()].flat().some((line) => / {3}ours \/ this = \d+\.\d\dx$/.test(line)),
      'no ratio printed at all',
    )

    const targets = printed.get('Targets')
    assert.ok(targets && targets.length > 0, `no Targets section, or an empty one:\n${result.stdout}`)
    for (const line of targets) assert.match(line, TARGET)
  })

  it('divides every engine by the baseline in a full run (which --smoke cannot show: it times no baseline)', async () => {
    const scenario = SCENARIOS.find((s): s is RoundsScenario => s.kind === 'rounds' && s.baseline !== undefined)
    assert.ok(scenario?.baseline, 'no scenario with a baseline')
    const printed: string[] = []
    const log = console.log
    console.log = (text: string) => printed.push(...text.split('\n').filter((line) => line !== ''))
    try {
      printMeasured(
        'title',
        [
          summarise(scenario.baseline, 'tsc -p', [4000, 4200, 4100]),
          ...ENGINES.map((e, i) => summarise(`${e.key}:migrate`, `gulp-sqlite-migrate, ${e.label}: gulp migrate`, [900 + i, 1000, 1100])),
        ],
        scenario.baseline,
      )
    } finally {
      console.log = log
    }
    assert.equal(printed[0], 'title')
    assertRounds(scenario, 'title', printed.slice(1))
    assert.match(printed[2], / {3}this \/ baseline = 0\.24x$/)
  })
})
