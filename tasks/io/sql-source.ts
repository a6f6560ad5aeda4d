/** Compiling `.sql` migrations: each file read by `core/sql-migration.ts` and written as a module by `core/sql-module.ts`. */
import { basename, relative } from 'node:path'
import { parseSqlMigration } from '../core/sql-migration'
import { renderSqlModule } from '../core/sql-module'
import { migrationId } from '../core/migration-name'
import { typeScriptSqlProblems } from '../core/typescript-sql'
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

/** The file as UTF-8 text (a BOM is fine); anything else would be stored wrong or fail half-way at run time. */
function decode(contents: Buffer): string | { problem: string } {
  if ((contents[0] === 0xff && contents[1] === 0xfe) || (contents[0] === 0xfe && contents[1] === 0xff))
    return { problem: 'the file is UTF-16 text; save it as UTF-8' }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(contents)
  } catch {
    return { problem: 'the file is not UTF-8 text (Latin-1 or Windows-1252?); save it as UTF-8, or its strings would be stored wrong' }
  }
}

export function translateSql(sources: readonly CompileSource[]): SqlTranslation {
  const outputs: CompiledFile[] = []
  const diagnostics: string[] = []
  const notes: SqlNote[] = []
  for (const source of sources) {
    const file = relative(process.cwd(), source.path)
    const text = decode(source.contents)
    if (typeof text !== 'string') {
      diagnostics.push(`${file}:1:1 - error SQL: ${text.problem}`)
      continue
    }
    const migration = parseSqlMigration(text)
    diagnostics.push(...migration.problems.map((p) => `${file}:${p.line}:1 - error SQL: ${p.message}`))
    notes.push(...migration.notes.map((note) => ({ file, note })))
    const name = basename(source.path)
    outputs.push({ relative: `${migrationId(name)}.js`, contents: Buffer.from(renderSqlModule(migration, name)) })
  }
  return { outputs, diagnostics, notes }
}

/** The notes as lines, one per kind of translation (a history of 50 patches gets 3 lines, not 60), naming a few files. */
export function describeSqlNotes(notes: readonly SqlNote[]): string[] {
  const byNote = new Map<string, string[]>()
  for (const { file, note } of notes) byNote.set(note, [...(byNote.get(note) ?? []), file])
  return [...byNote].map(([note, files]) => {
    if (files.length === 1) return `${files[0]}: ${note}`
    const named = files.length <= 4 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`
    return `${files.length} .sql files (${named}): ${note.replace(/^its /, 'in each, its ')}`
  })
}

/**
 * What the SQL guard would refuse at run time in the TypeScript migrations about to be compiled (literal SQL
 * passed to exec, prepare and pragma), as diagnostics: so that a history full of BEGIN/COMMIT takes one run to
 * learn it, not one per file.
 */
export function typeScriptSqlDiagnostics(sources: readonly CompileSource[]): string[] {
  return sources
    .filter((source) => !/\.d\.[cm]?ts$/.test(source.path))
    .flatMap((source) =>
      typeScriptSqlProblems(source.contents.toString('utf8')).map(
        (p) => `${relative(process.cwd(), source.path)}:${p.line}:${p.column} - error SQL: ${p.message}`,
      ),
    )
}
