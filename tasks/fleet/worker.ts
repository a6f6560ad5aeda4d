/** A fleet worker thread: runs the job on each database the main thread sends, one at a time, and posts the result. */
import { parentPort, workerData } from 'node:worker_threads'
import { runOnDatabase, type FleetContext } from './one-database'

const context = workerData as FleetContext

parentPort?.on('message', (database: string) => {
  void runOnDatabase(database, context).then((result) => parentPort?.postMessage(result))
})
