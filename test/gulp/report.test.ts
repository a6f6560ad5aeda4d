import { strict as assert } from 'node:assert'
import { MigrateError } from '../../tasks/errors'
import { colorEnabled, toPluginError } from '../../tasks/gulp/report'

describe('gulp/report', () => {
  it('colours terminals only, and never with NO_COLOR, FORCE_COLOR=0 or --no-color', async () => {
    assert.equal(colorEnabled({}, [], true), true)
    assert.equal(colorEnabled({}, [], false), false, 'piped')
    assert.equal(colorEnabled({ NO_COLOR: '' }, [], true), false)
    assert.equal(colorEnabled({ FORCE_COLOR: '0' }, [], true), false)
    assert.equal(colorEnabled({}, ['node', 'gulp', '--no-color'], true), false)
    assert.equal(colorEnabled({ FORCE_COLOR: '1' }, [], false), true)
  })

  it('turns errors the user can fix into PluginErrors without a stack, and keeps the stack of bugs', async () => {
    const fixable = toPluginError(new MigrateError({ kind: 'step-too-large', step: 5, applied: 2 }))
    assert.equal(fixable.plugin, 'gulp-sqlite-migrate')
    assert.equal(fixable.showStack, false)
    assert.match(
      fixable.message,
      /^--step=5 but only 2 migration\(s\) are applied; nothing was rolled back\. Use --all /,
      'worded with flags',
    )
    assert.equal(toPluginError(new TypeError('a bug')).showStack, true)
  })

  it('prints the Error in plugin header without ANSI escapes unless colour is wanted (raw bytes)', async () => {
    const saved = { ...process.env }
    try {
      delete process.env.FORCE_COLOR
      process.env.NO_COLOR = '1'
      const plain = toPluginError(new MigrateError({ kind: 'watch-needs-gulp' })).toString()
      assert.match(plain, /Error in plugin "gulp-sqlite-migrate"/)
      assert.ok(!plain.includes('\u001b'), JSON.stringify(plain))
      delete process.env.NO_COLOR
      process.env.FORCE_COLOR = '1'
      assert.ok(
        toPluginError(new MigrateError({ kind: 'watch-needs-gulp' }))
          .toString()
          .includes('\u001b'),
        'coloured when forced',
      )
    } finally {
      process.env = saved
    }
  })
})
