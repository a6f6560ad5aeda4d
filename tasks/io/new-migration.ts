/** `migration:new`: writes a new, empty migration from a template. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { checkMigrationName, compareMigrationIds } from '../core/migration-name'
import { nextTimestamp, parseTimestamp, formatTimestamp } from '../core/timestamp'
import { MigrateError } from '../errors'

/** The default template. `{{name}}` is replaced by the migration's name. */
export const DEFAULT_TEMPLATE = `import type { Migration } from 'gulp-sqlite-migrate'

/**
 * {{name}}
 *
 * \`up\` runs inside a transaction together with the row that records it: if it throws, nothing of it stays.
 * It may be async. Schema changes: db.exec(...). Data: db.prepare(...).run(...).
 */
export const up: Migration['up'] = (db) => {
  // db.exec(\`
  //   CREATE TABLE example (
  //     id INTEGER PRIMARY KEY,
  //     name TEXT NOT NULL
  //   )
  // \`)
  // const insert = db.prepare('INSERT INTO example (name) VALUES (?)')
  // insert.run('first')
}

/** Reverts \`up\`. Remove it only if this migration can never be rolled back. */
export const down: Migration['down'] = (db) => {
  // db.exec('DROP TABLE example')
}
`

/** The template of `migration:new --sql`: dbmate's sections, which the runner reads (see docs/writing-migrations.md). */
export const DEFAULT_SQL_TEMPLATE = `-- {{name}}
--
-- The up section runs inside a transaction together with the row that records it: if a statement fails,
-- nothing of it stays. Write no BEGIN/COMMIT. For VACUUM or PRAGMA journal_mode, put
-- "-- migrate:up transaction:false" in a migration of its own.

-- migrate:up
-- CREATE TABLE example (
--   id INTEGER PRIMARY KEY,
--   name TEXT NOT NULL
-- );

-- migrate:down
-- DROP TABLE example;
`

export interface NewMigrationOptions {
  readonly sourceDir: string
  readonly name: unknown
  /** Path of a template file to use instead of {@link DEFAULT_TEMPLATE} (not for `sql`). */
  readonly template?: string
  /** Write a `.sql` migration from {@link DEFAULT_SQL_TEMPLATE} instead of a `.ts` one. */
  readonly sql?: boolean
  readonly now?: Date
}

/** Writes `<sourceDir>/<UTC timestamp>_<name>.ts` (or `.sql`) and returns its path. Never overwrites a file. */
export function createMigration(options: NewMigrationOptions): string {
  const check = checkMigrationName(options.name)
  if (!check.ok) throw new MigrateError({ kind: 'invalid-migration-name', name: options.name, rule: check.rule })
  const template = options.sql ? DEFAULT_SQL_TEMPLATE : options.template ? readFileSync(options.template, 'utf8') : DEFAULT_TEMPLATE
  mkdirSync(options.sourceDir, { recursive: true })
  const prefixes = readdirSync(options.sourceDir)
    .map((f) => /^(\d{3,})_/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
  const newestNonTimestamp = prefixes
    .filter((p) => !parseTimestamp(p))
    .sort((a, b) => compareMigrationIds(`${a}_`, `${b}_`))
    .at(-1)
  let timestamp = nextTimestamp(options.now ?? new Date(), prefixes)
  if (newestNonTimestamp && BigInt(newestNonTimestamp) >= BigInt(timestamp)) {
    throw new MigrateError({ kind: 'prefix-beyond-timestamps', prefix: newestNonTimestamp })
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const path = join(options.sourceDir, `${timestamp}_${check.name}.${options.sql ? 'sql' : 'ts'}`)
    try {
      writeFileSync(path, template.replace(/\{\{name\}\}/g, check.name), { flag: 'wx' })
      return relative(process.cwd(), path) || path
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // another process took this second: use the next one, so both files stay distinct and ordered
      timestamp = formatTimestamp(new Date((parseTimestamp(timestamp) as Date).getTime() + 1000))
    }
  }
  throw new MigrateError({ kind: 'no-free-timestamp', name: check.name, folder: options.sourceDir })
}
