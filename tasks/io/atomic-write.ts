import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Writes a file so that readers see either the old or the new content, never a half-written file: several
 * `gulp migrate` processes in one checkout compile at the same time, and one must never `require` a `.js`
 * that another is still writing. Skips the write when the content is already there.
 */
export function writeFileAtomic(path: string, contents: string | Buffer): void {
  const data = typeof contents === 'string' ? Buffer.from(contents) : contents
  try {
    if (readFileSync(path).equals(data)) return
  } catch {
    // missing or unreadable: write it
  }
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temporary, data)
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}
