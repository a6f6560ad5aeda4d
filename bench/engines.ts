/**
 * The two compile engines the engine scenarios compare, each on its own copy of our project (its own output
 * folder, build info and database, so neither invalidates the other's manifest), and the TypeScript packages
 * this repository installs: 5.9 as `typescript`, 7 under the alias `typescript-7`. TypeScript 5.9 through
 * gulp-typescript is the default compiler here, so that engine uses the default's project (`ours`): the same
 * manifest key, and at --smoke the same warm gulp-typescript project in this process.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CompilerName } from 'gulp-sqlite-migrate'
import { REPO } from './paths'

export type EngineKey = 'ts7' | 'ts59'

export interface Engine {
  /** Part of every key of its contenders (`ts7:migrate`, `ts59:build`) and of its project's folder name. */
  readonly key: EngineKey
  /** How the tables print it. */
  readonly label: string
  readonly compiler: CompilerName
  /** The TypeScript package's folder, as the `typescript` option takes it. */
  readonly typescript: string
  /** Its project's folder under a size's root. */
  readonly folder: string
}

export const TS59 = join(REPO, 'node_modules', 'typescript')
export const TS7 = join(REPO, 'node_modules', 'typescript-7')

export const ENGINES: readonly Engine[] = [
  { key: 'ts7', label: 'TS 7 tsc', compiler: 'tsc', typescript: TS7, folder: 'ours-ts7' },
  { key: 'ts59', label: 'TS 5.9 gulp-typescript', compiler: 'gulp-typescript', typescript: TS59, folder: 'ours' },
]

/** The engine's project under a size's root (written by `writeOurs`, like ours). */
export const engineDir = (root: string, engine: Engine): string => join(root, engine.folder)

/**
 * A gulpfile like this repository's (`gulpfile.ts`, loaded the same way: sucrase) that names the engine, since
 * no flag chooses one. Written once per bench run under `work`; returns its path.
 */
export function writeEngineGulpfile(work: string, engine: Engine): string {
  const path = join(work, `gulpfile-${engine.key}.ts`)
  writeFileSync(
    path,
    `import gulp from 'gulp'
import { registerMigrationTasks } from ${JSON.stringify(REPO)}

registerMigrationTasks(gulp, {
  migrationsDir: 'migrations',
  database: 'data/app.sqlite3',
  table: 'migrations',
  compiler: ${JSON.stringify(engine.compiler)},
  typescript: ${JSON.stringify(engine.typescript)},
})
`,
  )
  return path
}
