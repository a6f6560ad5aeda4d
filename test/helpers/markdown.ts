/**
 * The fenced code blocks of a Markdown file, read when the test runs: the tests execute what the docs say, not a
 * copy of it, so an edit that breaks an example fails `npm test`.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { REPO } from './project'

export interface CodeBlock {
  /** The Markdown file, relative to the repository. */
  readonly file: string
  /** Line of the opening fence, 1-based. */
  readonly line: number
  /** The info string's first word (`ts`, `sh`, `json`), or `''`. */
  readonly lang: string
  /** The lines between the fences, with a final newline. */
  readonly code: string
}

/** Every fenced block (```` ``` ```` or `~~~`, at the start of a line) of `path`, in order. */
export function codeBlocks(path: string): CodeBlock[] {
  const file = relative(REPO, path)
  const blocks: CodeBlock[] = []
  let open: { line: number; lang: string; fence: string; body: string[] } | undefined
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .forEach((text, index) => {
      if (open === undefined) {
        const fence = /^(`{3,}|~{3,})\s*([^\s`]*)/.exec(text)
        if (fence) open = { line: index + 1, lang: fence[2], fence: fence[1], body: [] }
      } else if (text.trimEnd().startsWith(open.fence) && /^(`+|~+)$/.test(text.trimEnd())) {
        blocks.push({ file, line: open.line, lang: open.lang, code: `${open.body.join('\n')}\n` })
        open = undefined
      } else {
        open.body.push(text)
      }
    })
  if (open) throw new Error(`${file}:${open.line}: the code block is never closed`)
  return blocks
}

/** The one block of `blocks` that `matches`; throws, naming `what` and the file, when there is none or more than one. */
export function theBlock(blocks: readonly CodeBlock[], what: string, matches: (block: CodeBlock) => boolean): CodeBlock {
  const found = blocks.filter(matches)
  if (found.length !== 1) {
    const where = found.map((b) => `${b.file}:${b.line}`).join(', ')
    throw new Error(`expected one code block that is ${what}, found ${found.length}${where ? ` (${where})` : ''}`)
  }
  return found[0]
}

/** The block that follows `block` in `blocks` and `matches`. */
export function blockAfter(blocks: readonly CodeBlock[], block: CodeBlock, what: string, matches: (b: CodeBlock) => boolean): CodeBlock {
  const next = blocks.slice(blocks.indexOf(block) + 1).find(matches)
  if (!next) throw new Error(`no code block that is ${what} after ${block.file}:${block.line}`)
  return next
}

/** The commands of a shell block: one per line, `# comments` and blank lines dropped, split on white space (no quoting). */
export function shellCommands(block: CodeBlock): string[][] {
  return block.code
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/))
}
