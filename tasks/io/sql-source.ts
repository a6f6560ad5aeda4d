/** Compiling `.sql` migrations: each file read by `core/sql-migration.ts` and written as a module by `core/sql-module.ts`. */
import { basename, relative } from 'node:path'
import { parseSqlMigration } from '../core/sql-migration'
import { renderSqlModule } from '../core/sql-module'
import { migrationId } from '../core/migration-name'
import type { CompiledFile, CompileSource } from './compile-engine'

export interface SqlNote {
  /** The source, relative to the working directory. */
  readonly file: string
  readonly note: string
}

export interface SqlTranslation {
  readonly outputs: readonly CompiledFile[]
  /** Every problem of every file, as `file:line:1 - error SQL: message`, the way TypeScript's are written. */
  readonly diagnostics: readonly string[]
  readonly notes: readonly SqlNote[]
}

export function translateSql(sources: readonly CompileSource[]): SqlTranslation {
  const outputs: CompiledFile[] = []
  const diagnostics: string[] = []
  const notes: SqlNote[] = []
  for (const source of sources) {
    const file = relative(process.cwd(), source.path)
    const migration = parseSqlMigration(source.contents.toString('utf8'))
    diagnostics.push(...migration.problems.map((p) => `${file}:${p.line}:1 - error SQL: ${p.message}`))
    notes.push(...migration.notes.map((note) => ({ file, note })))
    const name = basename(source.path)
    outputs.push({ relative: `${migrationId(name)}.js`, contents: Buffer.from(renderSqlModule(migration, name)) })
  }
  return { outputs, diagnostics, notes }
}
