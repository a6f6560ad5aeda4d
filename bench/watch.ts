/** Time from saving a new migration to seeing it applied, through a `gulp migrate:watch` process (debounce included). */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { gulp } from './contenders'
import { migrationId, ourMigration } from './fixtures'
import { REPO } from './paths'

const WAIT_LIMIT_MS = 120_000

/**
 * Starts `gulp migrate:watch` on `dir` (a project written by `writeOurs` with `n` migrations), then saves
 * `saves` new migrations one after the other and returns how long each took to be reported applied.
 */
export async function watchLatencies(dir: string, n: number, saves: number): Promise<number[]> {
  const [cmd, ...args] = gulp(dir, 'migrate:watch')
  const child = spawn(cmd, args, { cwd: REPO, env: { ...process.env, FORCE_COLOR: '0', DATABASE_PATH: '' } })
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  let output = ''
  const waiters: Array<() => void> = []
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
    for (const w of waiters.splice(0)) w()
  })
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const until = async (pattern: RegExp) => {
    const deadline = Date.now() + WAIT_LIMIT_MS
    while (!pattern.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`watch bench gave up waiting for ${pattern}:\n${output}`)
      await new Promise<void>((r) => {
        waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }
  try {
    await until(/Watching/)
    const latencies: number[] = []
    for (let k = 1; k <= saves; k++) {
      const id = migrationId(n + k)
      const started = performance.now()
      writeFileSync(join(dir, 'migrations', `${id}.ts`), ourMigration(n + k))
      await until(new RegExp(`Applied ${id} `))
      latencies.push(performance.now() - started)
      await new Promise((r) => setTimeout(r, 300))
    }
    return latencies
  } finally {
    child.kill('SIGINT')
    const stuck = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited // before the caller removes the project under it
    clearTimeout(stuck)
  }
}
