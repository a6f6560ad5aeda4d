/** How the tasks talk: fancy-log lines, and a `PluginError` without a stack for every error the user can fix. */
import log from 'fancy-log'
import PluginError from 'plugin-error'
import { MigrateError } from '../errors'

export const PLUGIN_NAME = 'gulp-sqlite-migrate'

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function info(message: string): void {
  log(message)
}

export function warn(message: string): void {
  log.warn(message)
}

export function error(message: string): void {
  log.error(message)
}

/** A user-fixable error prints its message only; anything else is a bug and keeps its stack. */
export function toPluginError(error: unknown): PluginError {
  if (error instanceof PluginError) return error
  if (error instanceof MigrateError) return new PluginError(PLUGIN_NAME, error.message, { showStack: false })
  if (error instanceof Error) return new PluginError(PLUGIN_NAME, error, { showStack: true })
  return new PluginError(PLUGIN_NAME, String(error), { showStack: false })
}
