/**
 * What each file in the migrations folder is, so that nothing there is ignored silently: a migration, a helper
 * that migrations import, a known companion (tsconfig, schema.sql, notes), or a stray file that looks like a
 * migration of another tool and is listed with the name it should have. Pure: file names in, verdicts out.
 */
import { isSourceMigrationFile, migrationId } from './migration-name'

export interface StrayFile {
  /** The file name, as found in the folder. */
  readonly file: string
  /** The name that would make it a migration, when one can be derived. */
  readonly suggestion?: string
  /** Why it is not a migration, when the name alone does not say (a golang-migrate pair, JavaScript). */
  readonly reason: 'name' | 'up-down-pair' | 'javascript' | 'not-imported'
}

/** Files that are never migrations and need no word: dotfiles, notes, declarations, tsconfigs, the schema dump. */
function isCompanion(file: string): boolean {
  return (
    file.startsWith('.') || /\.(?:md|txt|d\.[cm]?ts|map)$/i.test(file) || /^tsconfig(?:\..+)?\.json$/.test(file) || file === 'schema.sql'
  )
}

const pad = (digits: string) => digits.padStart(3, '0')

/** golang-migrate's `001_x.up.sql` / `001_x.down.sql` pairs: one file with dbmate sections instead. */
const UP_DOWN_PAIR = /^(\d+_.+)\.(?:up|down)\.sql$/i

/** The name this file should have to be a migration (`1605085519544-SeasonStatus.ts` → `1605085519544_SeasonStatus.ts`). */
export function suggestMigrationName(file: string): string | undefined {
  const pair = UP_DOWN_PAIR.exec(file)
  if (pair) return `${pair[1]}.sql`
  const flyway = /^V(\d+)(?:[._]\d+)*__(.+)\.sql$/i.exec(file)
  if (flyway) return `${pad(flyway[1])}_${flyway[2]}.sql`
  const wrongCase = /^(\d{3,}_.+)\.(sql|ts)$/i.exec(file)
  if (wrongCase) return `${wrongCase[1]}.${wrongCase[2].toLowerCase()}`
  const javascript = /^(\d{3,}_.+)\.(?:[cm]?js|[cm]ts)$/.exec(file)
  if (javascript) return `${javascript[1]}.ts`
  const numbered = /^(\d+)[-_.\s]+([^-_.\s].*)\.(ts|sql)$/.exec(file)
  if (numbered) return `${pad(numbered[1])}_${numbered[2]}.${numbered[3]}`
  return undefined
}

export interface FolderVerdicts {
  /** Migration sources (`NNN_name.ts`, `NNN_name.sql`). */
  readonly migrations: readonly string[]
  /** Files that are neither migrations, nor helpers, nor companions. */
  readonly stray: readonly StrayFile[]
}

/** Sorts the top-level files of a migrations folder; `helpers` are the `.ts` files migrations import. */
export function classifyFolder(files: readonly string[], helpers: ReadonlySet<string>): FolderVerdicts {
  const migrations: string[] = []
  const stray: StrayFile[] = []
  for (const file of [...files].sort()) {
    if (UP_DOWN_PAIR.test(file)) stray.push({ file, suggestion: suggestMigrationName(file), reason: 'up-down-pair' })
    else if (isSourceMigrationFile(file)) migrations.push(file)
    else if (helpers.has(file) || isCompanion(file)) continue
    else {
      const suggestion = suggestMigrationName(file)
      const reason =
        /\.(?:[cm]?js|[cm]ts)$/.test(file) && suggestion ? 'javascript' : file.endsWith('.ts') && !suggestion ? 'not-imported' : 'name'
      stray.push({ file, suggestion, reason })
    }
  }
  // A .js beside the .ts of the same id is the duplicate refused elsewhere, not a stray file.
  const ids = new Set(migrations.map(migrationId))
  return { migrations, stray: stray.filter((s) => !(s.reason === 'javascript' && ids.has(migrationId(s.file)))) }
}

/** One line per stray file: what it is, and the rename or change that makes it a migration. */
export function describeStray(stray: StrayFile, folder: string): string {
  const path = `${folder}/${stray.file}`
  switch (stray.reason) {
    case 'up-down-pair':
      return `${path} is half of an up/down pair, which this tool does not read (it would never run, or a down would run as an up): merge both into ${stray.suggestion} with "-- migrate:up" and "-- migrate:down" sections`
    case 'javascript':
      return `${path} is JavaScript, which is not compiled or applied: rename it to ${stray.suggestion} (JavaScript is valid TypeScript)`
    case 'not-imported':
      return `${path} is not a migration (names are NNN_name.ts or NNN_name.sql: 3 or more digits, then an underscore) and no migration imports it: rename it if it is a migration, or move it out of the folder`
    default:
      return `${path} is not a migration and was not applied: names are NNN_name.ts or NNN_name.sql (3 or more digits, then an underscore)${stray.suggestion ? `; rename it to ${stray.suggestion}` : ''}`
  }
}
