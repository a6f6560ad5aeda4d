/** The part of gulp the tasks need, declared here so the package's types do not need `@types/gulp`. */

/**
 * A gulp task function, as gulp 5 (undertaker) runs it: it signals completion through `done` or by what it
 * returns (here always a promise).
 */
export type TaskFunction = ((done: (error?: Error | null) => void) => void | PromiseLike<unknown>) & {
  displayName?: string
  description?: string
}

/** The part of gulp the tasks need; pass the `gulp` module your gulpfile imports. */
export interface GulpLike {
  task(name: string, fn: TaskFunction): void
  /** gulp's `series`; what it returns is a task function. */
  series(...tasks: TaskFunction[]): unknown
  /** gulp's `watch`; needed by `migrate:watch` only. */
  watch?(
    globs: string | string[],
    options: WatchOptions,
    task: TaskFunction,
  ): { close(): unknown; once(event: 'ready', listener: () => void): unknown }
}

/** The subset of gulp 5's watch options used here (glob-watcher 6 / chokidar 3). */
export interface WatchOptions {
  delay?: number
  queue?: boolean
  events?: string[]
  ignoreInitial?: boolean
}
