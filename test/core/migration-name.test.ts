import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import {
  checkMigrationName,
  compareMigrationIds,
  findCaseCollisions,
  isCompiledMigrationFile,
  isSourceMigrationFile,
  migrationId,
} from '../../tasks/core/migration-name'

describe('core/migration-name', () => {
  it('takes the identity without the extension, so .ts, .js and recorded names match', async () => {
    assert.equal(migrationId('20261126120000_add_users.ts'), '20261126120000_add_users')
    assert.equal(migrationId('20261126120000_add_users.js'), '20261126120000_add_users')
    assert.equal(migrationId('20261126120000_add_users'), '20261126120000_add_users')
    assert.equal(migrationId('001_x.d.ts'), '001_x')
  })

  it('recognises compiled migrations and sources, never .d.ts or .map', async () => {
    assert.ok(isCompiledMigrationFile('001_initial.js'))
    assert.ok(isCompiledMigrationFile('20261126120000_z.js'))
    assert.ok(!isCompiledMigrationFile('01_short.js'), 'three digits at least')
    assert.ok(!isCompiledMigrationFile('001_x.js.map'))
    assert.ok(!isCompiledMigrationFile('001_x.d.ts'))
    assert.ok(!isCompiledMigrationFile('package.json'))
    assert.ok(isSourceMigrationFile('001_x.ts'))
    assert.ok(!isSourceMigrationFile('001_x.d.ts'))
    assert.ok(!isSourceMigrationFile('helpers.ts'))
  })

  it('orders by numeric prefix as a number, then by name', async () => {
    const ids = ['20261126120000_z', '1000_y', '999_x', '001_initial', '001_a']
    assert.deepEqual([...ids].sort(compareMigrationIds), ['001_a', '001_initial', '999_x', '1000_y', '20261126120000_z'])
  })

  it('is a total order consistent with numeric prefixes (property)', async () => {
    const id = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 16n }), fc.stringMatching(/^[a-z0-9_]{1,8}$/))
      .map(([n, s]) => `${String(n).padStart(3, '0')}_${s}`)
    fc.assert(
      fc.property(id, id, id, (a, b, c) => {
        assert.equal(Math.sign(compareMigrationIds(a, b)), -Math.sign(compareMigrationIds(b, a)))
        if (compareMigrationIds(a, b) <= 0 && compareMigrationIds(b, c) <= 0) assert.ok(compareMigrationIds(a, c) <= 0)
        const [pa, pb] = [BigInt(a.split('_')[0]), BigInt(b.split('_')[0])]
        if (pa < pb) assert.ok(compareMigrationIds(a, b) < 0)
      }),
    )
  })

  it('accepts snake_case names and turns dashes into underscores', async () => {
    assert.deepEqual(checkMigrationName('add_user_table'), { ok: true, name: 'add_user_table' })
    assert.deepEqual(checkMigrationName('add-user-table2'), { ok: true, name: 'add_user_table2' })
    assert.deepEqual(checkMigrationName('x'.repeat(100)), { ok: true, name: 'x'.repeat(100) })
  })

  for (const bad of [
    undefined,
    true,
    '',
    '   ',
    'Add',
    'add user',
    'a/b',
    'a\\b',
    '..',
    '../x',
    'a.b',
    'a__b',
    '_a',
    'a_',
    'é',
    'x'.repeat(101),
  ]) {
    it(`refuses ${JSON.stringify(bad)?.slice(0, 30)} with the rule`, async () => {
      const result = checkMigrationName(bad)
      assert.equal(result.ok, false)
      if (!result.ok)
        assert.equal(
          result.rule,
          typeof bad === 'string' && bad.length > 100
            ? 'too-long'
            : bad === '' || typeof bad !== 'string' || bad.trim() === ''
              ? 'required'
              : 'characters',
        )
    })
  }

  it('finds ids that differ only by case', async () => {
    assert.deepEqual(findCaseCollisions(['001_a', '001_A', '002_b']), [['001_a', '001_A']])
    assert.deepEqual(findCaseCollisions(['001_a', '002_b']), [])
  })
})
