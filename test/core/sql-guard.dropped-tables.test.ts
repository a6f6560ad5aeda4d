import { strict as assert } from 'node:assert'
import { inspectSql } from '../../tasks/core/sql-guard'

const droppedTables = (sql: string) => inspectSql(sql).droppedTables

describe('core/sql-guard: dropped tables', () => {
  it('finds dropped tables past quoting, schemas, case, comments and line breaks', async () => {
    assert.deepEqual(droppedTables('DROP TABLE parent'), ['parent'])
    assert.deepEqual(droppedTables('drop table if exists main."Par""ent"; DROP\n/* x */TABLE\n[b]; DROP TABLE `c`'), ['Par"ent', 'b', 'c'])
    assert.deepEqual(droppedTables("CREATE TABLE x (a); -- DROP TABLE y\nINSERT INTO t VALUES ('DROP TABLE z')"), [])
    assert.deepEqual(droppedTables('DROP INDEX i; DROP VIEW v; DROP TRIGGER t'), [])
  })
})
