/**
 * Where a fleet's databases run: lanes that each take one database at a time. A lane is a worker thread (SQLite
 * work is synchronous in better-sqlite3, so threads are what spread it over the cores), or, with a concurrency of
 * one, the calling thread itself (no thread to start for a handful of files).
 */
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { runOnDatabase, type FleetContext, type FleetDatabaseResult } from './one-database'

export interface Lane {
  run(database: string): Promise<FleetDatabaseResult>
  close(): Promise<void>
}

export function inProcessLane(context: FleetContext): Lane {
  return { run: (database) => runOnDatabase(database, context), close: async () => undefined }
}

/** The worker script: the compiled `worker.js`, or from the TypeScript sources (this repository's tests) through sucrase. */
function startWorker(context: FleetContext): Worker {
  if (__filename.endsWith('.js')) return new Worker(join(__dirname, 'worker.js'), { workerData: context })
  const source = `require('sucrase/register/ts'); require(${JSON.stringify(join(__dirname, 'worker.ts'))})`
  return new Worker(source, { eval: true, workerData: context })
}

/**
 * A worker thread. A database whose migration kills the thread (a native crash, `process.exit`) fails alone: the
 * lane starts a new thread for the next one.
 */
export function workerLane(context: FleetContext): Lane {
  let worker: Worker | undefined
  return {
    run(database) {
      const thread = (worker ??= startWorker(context))
      return new Promise((resolve) => {
        const settle = (result: FleetDatabaseResult) => {
          thread.off('message', settle)
          thread.off('error', crashed)
          thread.off('exit', exited)
          resolve(result)
        }
        const fail = (error: string) => {
          worker = undefined
          settle({ database, outcome: 'failed', ids: [], error, durationMs: 0 })
        }
        const crashed = (error: Error) => fail(`the worker thread crashed: ${error.message}`)
        const exited = (code: number) => fail(`the worker thread exited with code ${code}`)
        thread.on('message', settle)
        thread.once('error', crashed)
        thread.once('exit', exited)
        thread.postMessage(database)
      })
    },
    async close() {
      await worker?.terminate()
      worker = undefined
    },
  }
}
