/**
 * What the SQL guard can see of a TypeScript migration before it runs: the string literals it hands straight to
 * `db.exec(...)`, `db.prepare(...)` and `db.pragma(...)`. A statement the guard would refuse at run time (BEGIN,
 * VACUUM, PRAGMA foreign_keys, ...) is reported at compile time instead, with its line, together with every other
 * problem of the run, rather than one per run. Pure, and deliberately narrow: a literal built at run time is left
 * to the guard, and a migration that opts out of the transaction (or into `unsafe`) is not judged here at all.
 */
import { inspectSql } from './sql-guard'

export interface TypeScriptSqlProblem {
  readonly line: number
  readonly column: number
  readonly message: string
}

/** The source with comments blanked out (line breaks kept), so a commented-out `db.exec('VACUUM')` is not read. */
function withoutComments(source: string): string {
  let out = ''
  let quote: string | undefined
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (quote) {
      out += c
      if (c === '\\') out += source[++i] ?? ''
      else if (c === quote) quote = undefined
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2)
      const comment = source.slice(i, end === -1 ? source.length : end + 2)
      out += comment.replace(/[^\n]/g, ' ')
      i += comment.length - 1
    } else {
      if (c === "'" || c === '"' || c === '`') quote = c
      out += c
    }
  }
  return out
}

const CALL = /\.(exec|prepare|pragma)\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\$]|\\.|\$(?!\{))*)`)\s*[,)]/g

/** Exports that change what the guard allows: such a migration is left to the run-time guard. */
const OPTS_OUT = /\btransaction\s*[:=](?!\s*true\b)|\bunsafe\s*[:=](?!\s*false\b)/

const unescape = (text: string) => text.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c)

export function typeScriptSqlProblems(source: string): TypeScriptSqlProblem[] {
  const code = withoutComments(source)
  if (OPTS_OUT.test(code)) return []
  const problems: TypeScriptSqlProblem[] = []
  for (const match of code.matchAll(CALL)) {
    const literal = unescape(match[2] ?? match[3] ?? match[4] ?? '')
    const { violation } = inspectSql(match[1] === 'pragma' ? `PRAGMA ${literal}` : literal)
    if (!violation) continue
    const before = code.slice(0, match.index)
    const line = before.split('\n').length
    problems.push({ line, column: match.index - before.lastIndexOf('\n'), message: violation })
  }
  return problems
}
