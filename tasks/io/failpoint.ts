/**
 * Crash points for the crash tests: `GULP_SQLITE_MIGRATE_FAILPOINT=before-commit` makes the runner kill its
 * own process with SIGKILL at that step, the way a power cut or an OOM kill would. Never set in normal use.
 */
export const FAILPOINT_ENV = 'GULP_SQLITE_MIGRATE_FAILPOINT'

export type Failpoint = 'after-begin' | 'after-up' | 'after-record' | 'before-commit' | 'after-lease'

export function failpoint(name: Failpoint): void {
  if (process.env[FAILPOINT_ENV] === name) process.kill(process.pid, 'SIGKILL')
}
