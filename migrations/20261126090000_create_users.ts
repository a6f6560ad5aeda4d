import type { Migration } from 'gulp-sqlite-migrate'

/** Users of the example app. */
export const up: Migration['up'] = (db) => {
  db.exec(`
    CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    )
  `)
}

export const down: Migration['down'] = (db) => {
  db.exec('DROP TABLE users')
}
