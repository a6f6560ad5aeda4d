/** A migration ready to run: its file and its loaded module. */
import type { CompiledMigration } from '../io/migration-files'
import type { Direction } from '../problems'
import type { Migration, MigrationFn } from '../types'

export interface Step {
  readonly migration: CompiledMigration
  readonly module: Migration
}

/** A redo: the version that was applied (for its down) and the version to apply now. */
export interface ReplaceStep extends Step {
  readonly applied: Migration
}

/** The function of `step` for `direction` (a down is known to exist: the API checked it before running). */
export function migrationFunction(step: Step, direction: Direction): MigrationFn {
  return (direction === 'up' ? step.module.up : step.module.down) as MigrationFn
}
