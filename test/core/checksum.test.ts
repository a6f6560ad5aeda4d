import { strict as assert } from 'node:assert'
import { migrationChecksum } from '../../tasks/core/checksum'

describe('core/checksum', () => {
  it('ignores line endings and a byte-order mark, but not edits', async () => {
    const lf = 'export const up = () => {}\nexport const down = () => {}\n'
    assert.equal(migrationChecksum(lf.replace(/\n/g, '\r\n')), migrationChecksum(lf))
    assert.equal(migrationChecksum(`\uFEFF${lf}`), migrationChecksum(lf))
    assert.equal(migrationChecksum(Buffer.from(lf)), migrationChecksum(lf))
    assert.notEqual(migrationChecksum(lf.replace('up', 'upp')), migrationChecksum(lf))
    assert.match(migrationChecksum(lf), /^[0-9a-f]{64}$/)
  })
})
