/**
 * CI runs the benchmark at its smoke size: it must run end to end, print every scenario of the table, and report
 * well-formed figures, ratios and targets. Benchmarks are not timed tests: no figure and no target is asserted.
 */
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { parseOptions } from '../bench/run'
import { SCENARIOS, type Scenario } from '../bench/scenarios'
import { REPO, run } from './helpers/project'

const DURATION = String.raw`\d+ ms|\d+\.\d\d s`
/** `  name   median  [min - max]`, then `   ours / this = N.NNx` on every line but ours. */
const MEASURED = new RegExp(String.raw`^  (\S.*?) +(${DURATION})  \[(${DURATION}) - (${DURATION})\](?:   ours / this = (\d+\.\d\d)x)?$`)
const TARGET = /^ {2}(met {3}|MISSED) (.+): (\d+\.\d+)(x| ms) \(target <= (\d+(?:\.\d+)?)(x| ms)\)$/

const ms = (text: string) => (text.endsWith(' s') ? Number(text.slice(0, -2)) * 1000 : Number(text.slice(0, -3)))

/** The printed blocks (separated by blank lines), keyed by their first line. */
function blocks(output: string): Map<string, string[]> {
  const lines = output.split(/\n{2,}/).map((block) => block.split('\n').filter((line) => line !== ''))
  return new Map(lines.filter((block) => block.length > 0).map(([title, ...rest]) => [title, rest]))
}

function assertRounds(title: string, lines: readonly string[]): void {
  assert.ok(lines.length > 0, `${title}: no contender was timed`)
  for (const [i, line] of lines.entries()) {
    const m = MEASURED.exec(line)
    assert.ok(m, `${title}: malformed line ${JSON.stringify(line)}`)
    const [, name, median, min, max, ratio] = m
    assert.ok(ms(min) <= ms(median) && ms(median) <= ms(max), `${title}: median outside [min - max] in ${JSON.stringify(line)}`)
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
      for (const n of scenario.atWatchSizes ? options.watchSizes : options.sizes) {
        const title = scenario.title(n)
        const lines = printed.get(title)
        assert.ok(lines, `scenario ${scenario.id} at ${n} not printed:\n${result.stdout}`)
        if (scenario.kind === 'rounds') assertRounds(title, lines)
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
})
