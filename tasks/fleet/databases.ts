/**
 * Which databases a fleet run covers: a glob (`data/tenants/*.sqlite3`), or `@list.txt`, a file with one path a line
 * (blank lines and `#` comments skipped). Relative paths are taken from the working directory, and the list file
 * is read line by line, so a list of a million paths is never held as one string.
 */
import { createReadStream, realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { MigrateError } from '../errors'

/** A path relative to the working directory when it is under it (messages name files that way), else absolute. */
function asGiven(path: string, cwd: string): string {
  const absolute = resolve(cwd, path)
  const fromHere = relative(process.cwd(), absolute)
  return fromHere === '' || fromHere.startsWith('..') || isAbsolute(fromHere) ? absolute : fromHere
}

/**
 * Never a database of the fleet: SQLite's companions (`-journal`, `-wal`, `-shm`), this tool's backups (migrating a
 * backup would destroy the state it keeps) and its rehearsal leftovers, and dotfiles (`.gitkeep`, `.DS_Store`).
 */
const NOT_A_DATABASE = /(?:-(?:journal|wal|shm)|\.backup(?:-\d+)?|\.partial)$|(?:^|\/)\.[^/]*$/

/** The same file once, however it is spelled (`a.db`, `./a.db`, a symlink to it). */
function deduplicated(): (path: string) => boolean {
  const seen = new Set<string>()
  return (path) => {
    let real = resolve(path)
    try {
      real = realpathSync(real)
    } catch {
      // not created yet: its path is its identity
    }
    if (seen.has(real)) return false
    seen.add(real)
    return true
  }
}

/** The paths a glob matches, sorted (the order of a run, and of its report, is the same every time). */
async function globbed(pattern: string, cwd: string): Promise<string[]> {
  const { glob } = await import('tinyglobby')
  // Relative to the working directory when under it, as the user wrote them: that is how messages name them.
  const found = await glob([pattern], { cwd, absolute: false, onlyFiles: true, expandDirectories: false, dot: false })
  const once = deduplicated()
  return found
    .filter((path) => !NOT_A_DATABASE.test(path))
    .map((path) => asGiven(path, cwd))
    .sort()
    .filter(once)
}

async function* listed(file: string, cwd: string): AsyncGenerator<string> {
  let stream
  try {
    stream = createReadStream(resolve(cwd, file))
    const lines = createInterface({ input: stream, crlfDelay: Infinity })
    const once = deduplicated()
    for await (const line of lines) {
      const path = line.trim()
      if (path !== '' && !path.startsWith('#') && once(asGiven(path, cwd))) yield asGiven(path, cwd)
    }
  } catch (error) {
    throw new MigrateError(
      { kind: 'invalid-option', option: 'databases', value: `@${file}`, expected: `a readable list file (${(error as Error).message})` },
      { cause: error },
    )
  } finally {
    stream?.destroy()
  }
}

/**
 * The databases of `selection`: an array for a glob (its length is the run's total), an async iterable for a list
 * file. A glob that matches nothing is refused: a typo must not look like a fleet that is up to date.
 */
export async function selectDatabases(selection: string, cwd = process.cwd()): Promise<string[] | AsyncIterable<string>> {
  if (selection.startsWith('@')) return listed(selection.slice(1), cwd)
  const found = await globbed(selection, cwd)
  if (found.length === 0) throw new MigrateError({ kind: 'no-databases', selection })
  return found
}
