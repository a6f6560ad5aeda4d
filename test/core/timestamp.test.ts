import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { formatTimestamp, nextTimestamp, parseTimestamp } from '../../tasks/core/timestamp'

describe('core/timestamp', () => {
  it('formats UTC as YYYYMMDDHHMMSS', async () => {
    assert.equal(formatTimestamp(new Date('2026-11-26T09:05:03.999Z')), '20261126090503')
  })

  it('parses only real dates', async () => {
    assert.equal(parseTimestamp('20261126090503')?.toISOString(), '2026-11-26T09:05:03.000Z')
    assert.equal(parseTimestamp('20250101099900'), undefined, 'minute 99 is not a time')
    assert.equal(parseTimestamp('001'), undefined)
  })

  it('uses now when it is newer than every existing file', async () => {
    assert.equal(nextTimestamp(new Date('2026-11-26T09:05:03Z'), ['20261126090502', '001']), '20261126090503')
  })

  it('moves one second past the newest existing timestamp (same second, or a clock behind)', async () => {
    assert.equal(nextTimestamp(new Date('2026-11-26T09:05:03Z'), ['20261126090503']), '20261126090504')
    assert.equal(nextTimestamp(new Date('2026-11-26T09:05:03Z'), ['20261126235959']), '20261127000000')
  })

  it('always sorts after every existing timestamp (property)', async () => {
    const date = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-01-01'), noInvalidDate: true })
    fc.assert(
      fc.property(date, fc.array(date, { maxLength: 5 }), (now, existing) => {
        const stamps = existing.map(formatTimestamp)
        const next = nextTimestamp(now, stamps)
        assert.ok(parseTimestamp(next), 'a valid timestamp')
        for (const s of stamps) assert.ok(next > s)
        assert.ok(next >= formatTimestamp(now))
      }),
    )
  })
})
