/** `gulp migrate:compile` and `gulp migrate:marker`: the TypeScript and SQL sources to CommonJS in the output folder. */
import { compileMigrations, writeCommonJsMarker, type CompilerChoice } from '../../io/compile'
import { describeSqlNotes } from '../../io/sql-source'
import type { TaskContext } from '../context'
import { formatMs, info, plural, warn } from '../report'

export async function compileTask(ctx: TaskContext, choice: CompilerChoice): Promise<void> {
  const { sourceDir, distDir, tsconfig } = ctx.paths
  const result = await compileMigrations({ sourceDir, distDir, tsconfig, compiler: choice.compiler, typescript: choice.typescript })
  if (result.compiled.length > 0) info(`Compiled ${plural(result.compiled.length, 'migration')} in ${formatMs(result.durationMs)}`)
  if (result.removed.length > 0) info(`Removed stale output of deleted source(s): ${result.removed.join(', ')}`)
  for (const line of describeSqlNotes(result.notes)) info(line)
  for (const line of result.stray) warn(line)
}

export function markerTask(ctx: TaskContext): void {
  writeCommonJsMarker(ctx.paths.distDir)
}
