/**
 * The createMigratedDatabase() probe: the first call (which migrates), then the median of 21 later calls (which
 * copy). Runs in a process of its own for the full bench (see `cliTool` in contenders.ts), in the bench's at --smoke.
 */
import { performance } from 'node:perf_hooks'

export interface HelperFigures {
  readonly first: number
  readonly median: number
}

type CreateMigratedDatabase = (options: { migrationsDir: string; compile: boolean }) => Promise<{ close(): unknown }>

export async function probeHelper(createMigratedDatabase: CreateMigratedDatabase, migrationsDir: string): Promise<HelperFigures> {
  const options = { migrationsDir, compile: false }
  let t = performance.now()
  ;(await createMigratedDatabase(options)).close()
  const first = performance.now() - t
  const xs: number[] = []
  for (let i = 0; i < 21; i++) {
    t = performance.now()
    const db = await createMigratedDatabase(options)
    xs.push(performance.now() - t)
    db.close()
  }
  xs.sort((a, b) => a - b)
  return { first, median: xs[10] }
}
