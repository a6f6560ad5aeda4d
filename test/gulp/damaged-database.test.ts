/** A database whose first pages are damaged: every task says so in one line, without a stack trace. */
import { strict as assert } from 'node:assert'
import { openSync, writeSync, closeSync } from 'node:fs'
import Database from 'better-sqlite3'
import { TestProject } from '../helpers/project'
import { taskError, taskOutput } from '../helpers/tasks'

describe('a damaged database (in process)', function () {
  this.timeout(30_000)
  let project: TestProject
  beforeEach(async () => {
    project = new TestProject('damaged')
    project.write('001_notes.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n')
    await taskOutput(project, 'migrate')
    project.write('002_tags.sql', 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n')
    const db = new Database(project.dbPath)
    db.exec('VACUUM')
    db.close()
    // Bytes 200 to 4000: the rest of page 1 (the schema's root) after the header, overwritten.
    const fd = openSync(project.dbPath, 'r+')
    writeSync(fd, Buffer.alloc(3800, 0x5a), 0, 3800, 200)
    closeSync(fd)
  })
  afterEach(() => project.remove())

  for (const task of ['migrate', 'migrate:status', 'migrate:check'] as const) {
    it(`${task} reports it in one line, naming the file, with no stack trace`, async () => {
      const error = await taskError(project, task)
      assert.equal(error.showStack, false, error.message)
      assert.match(error.message, /app\.sqlite3 is (?:damaged|not a SQLite database|corrupt)/)
      assert.doesNotMatch(error.message, /\n\s+at /)
    })
  }
})
