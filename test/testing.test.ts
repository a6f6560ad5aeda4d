import { strict as assert } from 'node:assert'
import { createMigratedDatabase } from '../tasks/testing'
import { CompiledFolder } from './helpers/compiled'

describe('createMigratedDatabase', () => {
  let folder: CompiledFolder
  beforeEach(() => {
    folder = new CompiledFolder()
    for (let i = 1; i <= 50; i++)
      folder.sql(`${String(i).padStart(3, '0')}_t${i}`, `CREATE TABLE t${i} (id INTEGER PRIMARY KEY); INSERT INTO t${i} VALUES (${i})`)
  })
  afterEach(() => folder.remove())

  it('returns independent in-memory databases with every migration applied, from one migration run', async () => {
    const options = { migrationsDir: folder.sourceDir, distDir: folder.distDir, compile: false }
    const first = await createMigratedDatabase(options)
    assert.equal(first.memory, true)
    assert.equal(first.prepare('SELECT count(*) FROM migrations').pluck().get(), 50)
    first.exec('DELETE FROM t1')
    const second = await createMigratedDatabase(options) // a copy of the cached image (its speed is measured in bench/)
    assert.equal(second.prepare('SELECT id FROM t1').pluck().get(), 1, 'a change to one copy does not reach the next')
    assert.equal(second.prepare('SELECT count(*) FROM migrations').pluck().get(), 50)
    first.close()
    second.close()
  })
})
