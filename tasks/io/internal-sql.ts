/**
 * SQL the runner sends on its own behalf (settings it reads and restores, the guard's look at child tables) starts
 * with this comment, so that a dry run shows a migration's statements and not the runner's.
 */
export const INTERNAL_SQL = '/* gulp-sqlite-migrate */'

export const isInternalSql = (sql: string) => sql.startsWith(INTERNAL_SQL)
