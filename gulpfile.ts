/**
 * This repository's own gulpfile: it uses the plugin exactly as a user's gulpfile would, on the example
 * migrations in ./migrations and the example database data/app.sqlite3 (override with --db=PATH or DATABASE_PATH).
 *
 *   npx gulp migration:new --name=add_user_table
 *   npx gulp migrate
 */
import gulp from 'gulp'
import { registerMigrationTasks } from 'gulp-sqlite-migrate' // this package itself, as built into lib/ by `npm ci` (prepare)

registerMigrationTasks(gulp, {
  migrationsDir: 'migrations',
  database: 'data/app.sqlite3',
  table: 'migrations',
  // This repository has TypeScript 5.9 (for its own build) and 7 (the dev dependency `typescript-7`): the example
  // compiles its migrations with 7's native tsc, about five times faster than 5.9 through gulp-typescript.
  typescript: 'typescript-7',
})
