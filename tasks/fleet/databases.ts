/**
 * Which databases a fleet run covers: a glob (`data/tenants/*.sqlite3`), or `@list.txt`, a file with one path a line
 * (blank lines and `#` comments skipped). Relative paths are taken from the working directory, and the list file
 * is read line by line, so a list of a million paths is never held as one string.
 */
import { createReadStream } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { MigrateError } from '../errors'

/** A path relative to the working directory when it is under it (messages name files that way), else absolute. */
function asGiven(path: string, cwd: string): string {
  const absolute = resolve(cwd, path)
  const fromHere = relative(process.cwd(), absolute)
  return fromHere === '' || fromHere.startsWith('..') || isAbsolute(fromHere) ? absolute : fromHere
}

/** The paths a glob matches, sorted (the order of a run, and of its report, is the same every time). */
async function globbed(pattern: string, cwd: string): Promise<string[]> {
  const { glob } = await import('tinyglobby')
  // Relative to the working directory when under it, as the user wrote them: that is how messages name them.
  const found = await glob([pattern], { cwd, absolute: false, onlyFiles: true, expandDirectories: false, dot: true })
  // SQLite's companions are never databases of their own.
  return found
    .filter((path) => !/-(?:journal|wal|shm)$/.test(path))
    .map((path) => asGiven(path, cwd))
    .sort()
}

async function* listed(file: string, cwd: string): AsyncGenerator<string> {
  let stream
  try {
    stream = createReadStream(resolve(cwd, file))
    const lines = createInterface({ input: stream, crlfDelay: Infinity })
    for await (const line of lines) {
      const path = line.trim()
      if (path !== '' && !path.startsWith('#')) yield asGiven(path, cwd)
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
