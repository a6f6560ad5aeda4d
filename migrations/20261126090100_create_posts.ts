import type { Migration } from 'gulp-sqlite-migrate'

/** Posts belong to a user; deleting the user deletes their posts. */
export const up: Migration['up'] = (db) => {
  db.exec(`
    CREATE TABLE posts (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      title TEXT NOT NULL,
      body TEXT NOT NULL DEFAULT '',
      published_at TEXT
    );
    CREATE INDEX posts_user_id ON posts (user_id);
  `)
}

export const down: Migration['down'] = (db) => {
  db.exec('DROP TABLE posts')
}
