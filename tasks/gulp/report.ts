/** How the tasks talk: fancy-log lines, and a `PluginError` without a stack for every error the user can fix. */
import log from 'fancy-log'
import { styleText } from 'node:util'
import PluginError from 'plugin-error'
import { MigrateError } from '../errors'
import { describeProblem, type Wording } from '../problem-messages'
import { cliWording } from './wording'

export const PLUGIN_NAME = 'gulp-sqlite-migrate'

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/**
 * Colour for terminals only: never when output is piped, with NO_COLOR set, FORCE_COLOR=0 or gulp's
 * --no-color; FORCE_COLOR=1 forces it.
 */
export function colorEnabled(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
  tty = process.stdout.isTTY,
): boolean {
  if (argv.includes('--no-color') || 'NO_COLOR' in env || env.FORCE_COLOR === '0') return false
  return (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') || tty === true
}

export function paint(format: 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold', text: string): string {
  return colorEnabled() ? styleText(format, text) : text
}

let stdoutIsForJson = false

/** With `--json`, stdout carries one JSON document: progress and info lines go to stderr instead. */
export function reserveStdoutForJson(): void {
  stdoutIsForJson = true
}

export function info(message: string): void {
  if (stdoutIsForJson) process.stderr.write(`${message}\n`)
  else log(message)
}

export function warn(message: string): void {
  log.warn(message)
}

export function error(message: string): void {
  log.error(message)
}

/**
 * A user-fixable error prints its message only, worded for the command line; anything else is a bug and
 * keeps its stack.
 */
export function toPluginError(error: unknown, wording: Wording = cliWording()): PluginError {
  if (error instanceof PluginError) return plainUnlessColoured(error)
  if (error instanceof MigrateError)
    return plainUnlessColoured(new PluginError(PLUGIN_NAME, describeProblem(error.problem, wording), { showStack: false }))
  if (error instanceof Error) return plainUnlessColoured(new PluginError(PLUGIN_NAME, error, { showStack: true }))
  return plainUnlessColoured(new PluginError(PLUGIN_NAME, String(error), { showStack: false }))
}

// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const ANSI = /\u001b\[[0-9;]*m/g

/**
 * plugin-error colours its `Error in plugin` header whenever FORCE_COLOR is not 0 (ansi-colors looks at
 * neither the terminal, NO_COLOR nor --no-color), and gulp-cli prints that `toString()`: same rule as our lines.
 */
function plainUnlessColoured(error: PluginError): PluginError {
  if (colorEnabled()) return error
  const coloured = error.toString.bind(error)
  Object.defineProperty(error, 'toString', { value: () => coloured().replace(ANSI, ''), enumerable: false, configurable: true })
  return error
}
