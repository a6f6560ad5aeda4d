/** What each file of a migrations folder is; the names other tools give migrations, and the name each should have here. */
import { strict as assert } from 'node:assert'
import { classifyFolder, describeStray, suggestMigrationName } from '../../tasks/core/folder-contents'
import { importCandidates, relativeImports } from '../../tasks/core/imports'
import { isSourceMigrationFile } from '../../tasks/core/migration-name'

describe('core/folder-contents', () => {
  it('suggests the name that makes a file of another tool a migration', async () => {
    for (const [file, expected] of [
      ['1605085519544-SeasonStatus.ts', '1605085519544_SeasonStatus.ts'], // TypeORM
      ['V2__add_users.sql', '002_add_users.sql'], // Flyway
      ['V1_1__fix.sql', '001_fix.sql'],
      ['20201010123456_create_users.js', '20201010123456_create_users.ts'], // knex
      ['001_init.up.sql', '001_init.sql'], // golang-migrate
      ['001_init.down.sql', '001_init.sql'],
      ['1_init.sql', '001_init.sql'],
      ['42-answer.ts', '042_answer.ts'],
      ['0001.init.sql', '0001_init.sql'],
      ['001_init.SQL', '001_init.sql'],
      ['init.sql', undefined],
      ['helpers.ts', undefined],
    ] as const) {
      assert.equal(suggestMigrationName(file), expected, file)
    }
  })

  it('never takes half of an up/down pair for a migration: a down would run as an up', async () => {
    assert.equal(isSourceMigrationFile('001_init.up.sql'), false)
    assert.equal(isSourceMigrationFile('001_init.down.sql'), false)
    assert.equal(isSourceMigrationFile('001_init.sql'), true)
  })

  it('sorts a folder: migrations, helpers and companions say nothing; everything else is listed with a reason', async () => {
    const { migrations, stray } = classifyFolder(
      [
        '001_a.ts',
        '002_b.sql',
        'shared.ts',
        'unused.ts',
        'tsconfig.json',
        'schema.sql',
        'README.md',
        '.gitkeep',
        'types.d.ts',
        '1605085519544-SeasonStatus.ts',
        '003_c.up.sql',
        '003_c.down.sql',
        '004_d.js',
        '001_a.js',
        'notes.json',
      ],
      new Set(['shared.ts']),
    )
    assert.deepEqual(migrations, ['001_a.ts', '002_b.sql'])
    assert.deepEqual(
      stray.map((s) => [s.file, s.reason, s.suggestion]),
      [
        ['003_c.down.sql', 'up-down-pair', '003_c.sql'],
        ['003_c.up.sql', 'up-down-pair', '003_c.sql'],
        ['004_d.js', 'javascript', '004_d.ts'],
        ['1605085519544-SeasonStatus.ts', 'name', '1605085519544_SeasonStatus.ts'],
        ['notes.json', 'name', undefined],
        ['unused.ts', 'not-imported', undefined],
      ],
    )
  })

  it('describes each stray file in one line that says what to do', async () => {
    const lines = classifyFolder(['1605085519544-SeasonStatus.ts', '003_c.down.sql', 'unused.ts'], new Set()).stray.map((s) =>
      describeStray(s, 'db/migrations'),
    )
    assert.deepEqual(lines, [
      'db/migrations/003_c.down.sql is half of an up/down pair, which this tool does not read (it would never run, or a down would run as an up): merge both into 003_c.sql with "-- migrate:up" and "-- migrate:down" sections',
      'db/migrations/1605085519544-SeasonStatus.ts is not a migration and was not applied: names are NNN_name.ts or NNN_name.sql (3 or more digits, then an underscore); rename it to 1605085519544_SeasonStatus.ts',
      'db/migrations/unused.ts is not a migration (names are NNN_name.ts or NNN_name.sql: 3 or more digits, then an underscore) and no migration imports it: rename it if it is a migration, or move it out of the folder',
    ])
    for (const line of lines) assert.doesNotMatch(line, /\n/)
  })
})

describe('core/imports', () => {
  it('finds the relative imports of a source, in every form, and nothing else', async () => {
    const source = [
      "import type { Migration } from 'gulp-sqlite-migrate'",
      "import { a } from './lib/a'",
      'import * as b from "../b.js"',
      "export { c } from './c'",
      "import './side-effect'",
      "const d = require('./d')",
      "const e = await import('./e')",
      "import x from 'node:fs'",
    ].join('\n')
    assert.deepEqual(relativeImports(source), ['./lib/a', '../b.js', './c', './side-effect', './d', './e'])
  })

  it('maps a specifier to the files TypeScript would read', async () => {
    assert.deepEqual(importCandidates('./a'), ['./a.ts', './a/index.ts'])
    assert.deepEqual(importCandidates('./a.js'), ['./a.ts'])
    assert.deepEqual(importCandidates('./a.ts'), ['./a.ts'])
  })
})
