/**
 * Drift policy: which disagreements between the files and the migrations table stop a run. Pure: a plan and
 * a policy in, the problem (or nothing) out.
 */
import type { Problem } from '../problems'
import type { Plan } from './plan'

export interface DriftPolicy {
  /** Apply pending migrations that sort before the newest applied one. Default `false`. */
  readonly allowOutOfOrder?: boolean
  /** Go on although recorded migrations have no file any more. Default `false`. */
  readonly allowMissing?: boolean
  /** Go on although applied migrations changed (they are left alone). For watch mode; never for deploys. Default `false`. */
  readonly acceptChanged?: boolean
}

/** The drift that `policy` does not allow, or `undefined`. `sourceOf` names a migration's file for messages. */
export function driftProblem(plan: Plan, policy: DriftPolicy, sourceOf: (id: string) => string = (id) => id): Problem | undefined {
  const changed = policy.acceptChanged ? [] : plan.changed.map(sourceOf)
  const missing = policy.allowMissing ? [] : [...plan.missing]
  const outOfOrder = policy.allowOutOfOrder ? [] : plan.outOfOrder.map(sourceOf)
  if (changed.length + missing.length + outOfOrder.length === 0) return undefined
  return { kind: 'drift', changed, missing, outOfOrder }
}
