/**
 * Classifies the SQL a migration runs, so statements that SQLite silently ignores or that would break the
 * runner's transaction are refused before they run. Pure: a small tokenizer, no SQLite.
 */

export type StatementKind =
  /** BEGIN, COMMIT, END, ROLLBACK (not ROLLBACK TO): the runner owns the transaction. */
  | 'transaction-control'
  /** PRAGMA foreign_keys = ...: a no-op inside a transaction. */
  | 'foreign-keys-pragma'
  /** VACUUM, PRAGMA journal_mode = ...: cannot run inside a transaction. */
  | 'needs-no-transaction'
  | 'other'

/** Splits SQL into statements and returns each statement's leading words, upper-cased. */
export function statementWords(sql: string): string[][] {
  const statements: string[][] = []
  let words: string[] = []
  let depth = 0 // BEGIN/CASE ... END nesting inside CREATE TRIGGER bodies
  let i = 0
  const isTrigger = () => {
    const head = words.slice(0, 4)
    return head[0] === 'CREATE' && head.includes('TRIGGER')
  }
  const push = (word: string) => {
    if (isTrigger()) {
      if (word === 'BEGIN' || word === 'CASE') depth++
      else if (word === 'END' && depth > 0) depth--
    }
    words.push(word)
  }
  while (i < sql.length) {
    const c = sql[i]
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? sql.length : end + 2
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c
      let j = i + 1
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close)
            j += 2 // doubled quote inside a literal
          else break
        } else j++
      }
      push(c === "'" ? "'" : 'IDENT') // literals and quoted names are never keywords
      i = j + 1
    } else if (c === ';') {
      if (depth === 0) {
        if (words.length > 0) statements.push(words)
        words = []
      }
      i++
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j])) j++
      push(sql.slice(i, j).toUpperCase())
      i = j
    } else if (/\s/.test(c)) {
      i++
    } else {
      push(c)
      i++
    }
  }
  if (words.length > 0) statements.push(words)
  return statements
}

function classifyWords(words: readonly string[]): StatementKind {
  const [first] = words
  if (first === 'BEGIN' || first === 'COMMIT' || first === 'END') return 'transaction-control'
  if (first === 'ROLLBACK') return words.includes('TO') ? 'other' : 'transaction-control'
  if (first === 'VACUUM') return 'needs-no-transaction'
  if (first === 'PRAGMA') {
    // PRAGMA [schema.]name [= value | (value)]
    const nameAt = words[2] === '.' ? 3 : 1
    const name = words[nameAt]
    const assigns = words[nameAt + 1] === '=' || words[nameAt + 1] === '('
    if (!assigns) return 'other'
    if (name === 'FOREIGN_KEYS') return 'foreign-keys-pragma'
    if (name === 'JOURNAL_MODE' || name === 'AUTO_VACUUM' || name === 'PAGE_SIZE') return 'needs-no-transaction'
  }
  return 'other'
}

/** The kinds of every statement in `sql`, in order. */
export function classifySql(sql: string): StatementKind[] {
  return statementWords(sql).map(classifyWords)
}

/**
 * Why `sql` must not run inside the runner's transaction, or `undefined` when it may.
 * The messages say what to do instead.
 */
export function transactionalViolation(sql: string): string | undefined {
  for (const kind of classifySql(sql)) {
    if (kind === 'transaction-control') {
      return (
        'the migration runs its own BEGIN/COMMIT/ROLLBACK, but each migration already runs in a transaction ' +
        'managed by gulp-sqlite-migrate. Remove those statements (use db.transaction() or SAVEPOINT for nested ' +
        'work), or export `const transaction = false` to manage transactions yourself'
      )
    }
    if (kind === 'foreign-keys-pragma') {
      return (
        'PRAGMA foreign_keys has no effect inside a transaction, so foreign keys would stay ON and a DROP TABLE ' +
        'could cascade-delete child rows. Remove the PRAGMA and export `const foreignKeys = false` from the ' +
        'migration: the runner turns foreign keys off before its transaction, runs PRAGMA foreign_key_check ' +
        'before committing, and restores them afterwards'
      )
    }
    if (kind === 'needs-no-transaction') {
      return (
        `"${sql.trim().split(/\s+/).slice(0, 3).join(' ')}" cannot run inside a transaction. Export ` +
        '`const transaction = false` from the migration to run it outside one'
      )
    }
  }
  return undefined
}
