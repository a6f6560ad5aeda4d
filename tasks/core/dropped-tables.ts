/**
 * The tables a piece of SQL drops (`DROP TABLE [IF EXISTS] [schema.]name`), read past comments, string
 * literals and quoting. Pure. Used to refuse a drop that foreign keys would turn into a silent cascade.
 */

/** `"a""b"` → `a"b`, `[x]` → `x`, `` `y` `` → `y`, `z` → `z`. */
function unquote(name: string): string {
  const first = name[0]
  if (first === '"' || first === '`')
    return name
      .slice(1, -1)
      .split(first + first)
      .join(first)
  if (first === '[') return name.slice(1, -1)
  return name
}

/** Replaces comments with a space and string literals with `''`, so that only real tokens remain. */
function withoutCommentsAndStrings(sql: string): string {
  let out = ''
  for (let i = 0; i < sql.length;) {
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end
      out += ' '
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? sql.length : end + 2
      out += ' '
    } else if (sql[i] === "'") {
      let j = i + 1
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1
      i = j + 1
      out += "''"
    } else {
      out += sql[i++]
    }
  }
  return out
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|\`(?:[^\`]|\`\`)*\`|\[[^\]]*\]|[A-Za-z_][\w$]*)`
const DROP = new RegExp(String.raw`\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:${NAME}\s*\.\s*)?(${NAME})`, 'gi')

export function droppedTables(sql: string): string[] {
  return [...withoutCommentsAndStrings(sql).matchAll(DROP)].map((m) => unquote(m[1]))
}
