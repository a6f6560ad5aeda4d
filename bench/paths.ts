/** Where the bench finds this repository, its tools, and the peers installed in bench/ (`npm --prefix bench ci`). */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const REPO = resolve(__dirname, '..')
/** Generated projects live here (git-ignored), one folder per run so two runs never share files. */
export const WORK_ROOT = join(__dirname, '.work')
export const GULP = join(REPO, 'node_modules', 'gulp-cli', 'bin', 'gulp.js')
export const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')
export const PEERS = join(__dirname, 'node_modules')

/** Whether knex, umzug, Kysely and tsx are installed in bench/node_modules. */
export function peersInstalled(): boolean {
  return ['knex', 'umzug', 'kysely', 'tsx'].every((name) => existsSync(join(PEERS, name)))
}
