/** Opening the database: what a crashed writer leaves behind must not look like a read-only file. */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../tasks/io/database'
import { REPO } from '../helpers/project'

describe('io/database', () => {
  const dir = join(REPO, '.test-tmp', `database-${process.pid}`)
  const path = join(dir, 'app.sqlite3')
  before(() => mkdirSync(dir, { recursive: true }))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('opens read-only (status, check) a database whose writer was killed mid-transaction, at its committed state', async () => {
    const crash = spawnSync(process.execPath, [
      '-e',
      `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(path)});
       db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)"); db.pragma('cache_size = 1'); db.exec('BEGIN');
       db.exec("INSERT INTO t SELECT randomblob(5000) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000) SELECT n FROM c)");
       process.kill(process.pid, 'SIGKILL')`,
    ])
    assert.equal(crash.signal, 'SIGKILL')
    assert.ok(existsSync(`${path}-journal`), 'a hot journal was left behind')
    const db = openDatabase(path, { busyTimeoutMs: 1000, readonly: true })
    try {
      assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 1, 'the uncommitted rows are gone')
    } finally {
      db.close()
    }
  })
})
