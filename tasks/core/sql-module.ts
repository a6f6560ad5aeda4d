/**
 * The CommonJS module a `.sql` migration compiles to: its statements as data and an `up`/`down` that run them
 * one by one, so that a failing statement names its file and line. Self-contained (it requires nothing), so the
 * output folder runs wherever it is copied, like the output of a `.ts` migration. Pure.
 */
import type { SqlMigration, SqlSection } from './sql-migration'

const section = (s: SqlSection) => JSON.stringify(s.statements.map((statement) => [statement.line, statement.sql]))

export function renderSqlModule(migration: SqlMigration, fileName: string): string {
  const lines = [
    '"use strict";',
    `// Compiled by gulp-sqlite-migrate from ${fileName}. Do not edit: edit the .sql file.`,
    `const FILE = ${JSON.stringify(fileName)};`,
    'function run(db, statements) {',
    '  for (const [line, sql] of statements) {',
    '    try {',
    '      db.exec(sql);',
    '    } catch (error) {',
    '      if (error instanceof Error) error.message += ` (${FILE}, line ${line})`;',
    '      throw error;',
    '    }',
    '  }',
    '}',
    `const UP = ${section(migration.up)};`,
    'exports.up = (db) => run(db, UP);',
  ]
  if (migration.down) lines.push(`const DOWN = ${section(migration.down)};`, 'exports.down = (db) => run(db, DOWN);')
  if (!migration.transaction) lines.push('exports.transaction = false;')
  if (!migration.foreignKeys) lines.push('exports.foreignKeys = false;')
  if (migration.unsafe) lines.push('exports.unsafe = true;')
  return lines.join('\n') + '\n'
}
