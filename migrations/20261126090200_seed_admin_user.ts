import type { Migration } from 'gulp-sqlite-migrate'

const ADMIN = { email: 'admin@example.com', name: 'Administrator' }

/** Data migrations use prepared statements. `up` may be async: it is awaited inside the transaction. */
export const up: Migration['up'] = async (db) => {
  const insert = db.prepare('INSERT INTO users (email, name) VALUES (@email, @name)')
  insert.run(ADMIN)
}

export const down: Migration['down'] = (db) => {
  db.prepare('DELETE FROM users WHERE email = ?').run(ADMIN.email)
}
