/** The CI gate's verdict: what is wrong, and one exit code per kind of problem. Pure. */

/** Exit codes of `gulp migrate:check`. When several kinds are found, the first in this list wins. */
export const CHECK_EXIT_CODES = {
  changed: 11,
  'helper-changed': 17,
  missing: 12,
  'out-of-order': 13,
  stale: 14,
  stray: 16,
  schema: 15,
  /** A fleet's database that cannot be read (corrupt, locked, not a database). */
  unreadable: 18,
  pending: 10,
} as const

export type CheckProblemKind = keyof typeof CHECK_EXIT_CODES

export interface CheckInput {
  readonly pending: readonly string[]
  readonly changed: readonly string[]
  readonly missing: readonly string[]
  readonly outOfOrder: readonly string[]
  readonly stale: readonly string[]
  /** Helpers edited after applied migrations imported them (described, one line each). */
  readonly changedHelpers?: readonly string[]
  /** Files in the migrations folder that are not migrations (described, one line each). */
  readonly stray?: readonly string[]
  /** `false` when schema.sql differs from the database; `undefined` when not checked. */
  readonly schemaCurrent?: boolean
}

export interface CheckProblem {
  readonly kind: CheckProblemKind
  readonly message: string
}

export function checkProblems(input: CheckInput): { problems: CheckProblem[]; exitCode: number } {
  const problems: CheckProblem[] = []
  const list = (ids: readonly string[]) => ids.join(', ')
  if (input.changed.length)
    problems.push({
      kind: 'changed',
      message: `changed after being applied: ${list(input.changed)} (restore them, or \`gulp migrate:repair\`)`,
    })
  for (const line of input.changedHelpers ?? []) problems.push({ kind: 'helper-changed', message: line })
  if (input.missing.length) problems.push({ kind: 'missing', message: `applied but their file is gone: ${list(input.missing)}` })
  if (input.outOfOrder.length)
    problems.push({ kind: 'out-of-order', message: `pending but older than the newest applied migration: ${list(input.outOfOrder)}` })
  if (input.stale.length)
    problems.push({
      kind: 'stale',
      message: `compiled output out of date or without a source: ${list(input.stale)} (run \`gulp migrate:build\`)`,
    })
  if (input.stray?.length) problems.push({ kind: 'stray', message: `not migrations, never applied: ${input.stray.join('; ')}` })
  if (input.schemaCurrent === false)
    problems.push({ kind: 'schema', message: 'schema.sql does not match the database (run `gulp migrate` and commit schema.sql)' })
  if (input.pending.length) problems.push({ kind: 'pending', message: `pending: ${list(input.pending)} (run \`gulp migrate\`)` })
  const order = Object.keys(CHECK_EXIT_CODES) as CheckProblemKind[]
  const worst = order.find((kind) => problems.some((p) => p.kind === kind))
  return { problems, exitCode: worst ? CHECK_EXIT_CODES[worst] : 0 }
}
