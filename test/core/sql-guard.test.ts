import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { classifySql, transactionalViolation } from '../../tasks/core/sql-guard'

describe('core/sql-guard', () => {
  const cases: Array<[string, string[]]> = [
    ['CREATE TABLE t (id INTEGER)', ['other']],
    ['begin; commit;', ['transaction-control', 'transaction-control']],
    ['BEGIN IMMEDIATE TRANSACTION', ['transaction-control']],
    ['END', ['transaction-control']],
    ['ROLLBACK', ['transaction-control']],
    ['ROLLBACK TO SAVEPOINT sp', ['other']],
    ['SAVEPOINT sp; RELEASE sp', ['other', 'other']],
    ['PRAGMA foreign_keys = OFF', ['foreign-keys-pragma']],
    ['pragma main.foreign_keys=0', ['foreign-keys-pragma']],
    ['PRAGMA foreign_keys(0)', ['foreign-keys-pragma']],
    ['PRAGMA foreign_keys', ['other']],
    ['PRAGMA foreign_key_check', ['other']],
    ['PRAGMA journal_mode = WAL', ['needs-no-transaction']],
    ['VACUUM', ['needs-no-transaction']],
    ["INSERT INTO t VALUES ('BEGIN; COMMIT')", ['other']],
    ['-- COMMIT\nSELECT 1', ['other']],
    ['/* BEGIN; */ SELECT 1', ['other']],
    ['CREATE TABLE "begin" (id INTEGER)', ['other']],
    [
      'CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET n = CASE WHEN new.a THEN 1 ELSE 0 END; DELETE FROM z; END; COMMIT',
      ['other', 'transaction-control'],
    ],
  ]
  for (const [sql, kinds] of cases) {
    it(`classifies ${JSON.stringify(sql).slice(0, 60)}`, async () => {
      assert.deepEqual(classifySql(sql), kinds)
    })
  }

  it('explains what to do instead', async () => {
    assert.match(transactionalViolation('PRAGMA foreign_keys = OFF') ?? '', /export `const foreignKeys = false`/)
    assert.match(transactionalViolation('COMMIT') ?? '', /export `const transaction = false`/)
    assert.equal(transactionalViolation('CREATE TABLE t (id INTEGER)'), undefined)
  })

  it('never flags keywords hidden in string literals or comments (property)', async () => {
    const keyword = fc.constantFrom('BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'PRAGMA foreign_keys = OFF', 'VACUUM')
    fc.assert(
      fc.property(keyword, fc.string(), (word, noise) => {
        const literal = `'${(noise + word).replace(/'/g, "''")}'`
        assert.deepEqual(classifySql(`SELECT ${literal}`), ['other'])
        assert.deepEqual(classifySql(`/* ${word.replace(/\*\//g, '')} */ SELECT 1`), ['other'])
      }),
    )
  })
})
