import { strict as assert } from 'node:assert'
import { classifySql, inspectSql, statementWords, transactionalViolation, type StatementKind } from '../../tasks/core/sql-guard'

const FK: StatementKind = 'foreign-keys-pragma'
const TX: StatementKind = 'transaction-control'
const NO_TX: StatementKind = 'needs-no-transaction'
const OK: StatementKind = 'other'

/** Each case was checked against SQLite (better-sqlite3) for what it really does. */
function classifies(title: string, cases: Array<[string, StatementKind[]]>): void {
  describe(title, () => {
    for (const [sql, kinds] of cases) {
      it(`${JSON.stringify(sql).slice(0, 90)} -> ${kinds.join(', ')}`, async () => {
        assert.deepEqual(classifySql(sql), kinds)
      })
    }
  })
}

describe('core/sql-guard', () => {
  classifies('basics', [
    ['CREATE TABLE t (id INTEGER)', [OK]],
    ['', []],
    [' ;; -- nothing\n', []],
    ['begin; commit;', [TX, TX]],
    ['PRAGMA foreign_keys = OFF', [FK]],
    ['PRAGMA journal_mode = WAL', [NO_TX]],
    ['VACUUM', [NO_TX]],
  ])

  // SQLite accepts any quoting for a pragma name (and its schema), in any case, with comments between tokens.
  classifies('PRAGMA foreign_keys in every spelling SQLite accepts', [
    ['PRAGMA "foreign_keys" = OFF', [FK]],
    ["PRAGMA 'foreign_keys' = OFF", [FK]],
    ['PRAGMA [foreign_keys] = OFF', [FK]],
    ['PRAGMA `foreign_keys` = OFF', [FK]],
    ['pragma Foreign_Keys = off', [FK]],
    ['PRAGMA "FOREIGN_KEYS"=0', [FK]],
    ['PRAGMA"foreign_keys"=OFF', [FK]],
    ['pragma main.foreign_keys=0', [FK]],
    ['PRAGMA main.foreign_keys = 0', [FK]],
    ['PRAGMA "main"."foreign_keys"=OFF', [FK]],
    ["PRAGMA 'temp' . [Foreign_Keys] (0)", [FK]],
    ['PRAGMA foreign_keys(0)', [FK]],
    ['PRAGMA foreign_keys == OFF', [FK]],
    ["PRAGMA foreign_keys = 'off'", [FK]],
    ['PRAGMA foreign_keys = -1', [FK]],
    ['PRAGMA foreign_keys = ON', [FK]],
    ['PRAGMA /* x */ foreign_keys /* y */ = /* z */ OFF', [FK]],
    ['PRAGMA -- x\nforeign_keys -- y\n= -- z\nOFF', [FK]],
    ['PRAGMA\r\nmain\n.\n"foreign_keys"\n=\nOFF', [FK]],
    ['PRAGMA\tforeign_keys\f=\fOFF', [FK]],
    ['EXPLAIN PRAGMA foreign_keys = OFF', [FK]], // SQLite applies it while compiling, EXPLAIN or not
    ['EXPLAIN QUERY PLAN PRAGMA "foreign_keys" = OFF', [FK]],
    ['SELECT 1; PRAGMA "foreign_keys" = OFF', [OK, FK]],
  ])

  classifies('other pragmas that need no transaction, in every spelling', [
    ['PRAGMA "journal_mode" = WAL', [NO_TX]],
    ['pragma Journal_Mode=wal', [NO_TX]],
    ['PRAGMA main.[auto_vacuum] = FULL', [NO_TX]],
    ["PRAGMA 'page_size'(4096)", [NO_TX]],
    ['PRAGMA `main`.`page_size` /* c */ = 8192', [NO_TX]],
  ])

  classifies('pragmas that stay allowed', [
    ['PRAGMA foreign_keys', [OK]],
    ['PRAGMA "foreign_keys"', [OK]],
    ['PRAGMA main.foreign_keys', [OK]],
    ['PRAGMA foreign_key_check', [OK]],
    ['PRAGMA foreign_key_check("t")', [OK]],
    ['PRAGMA foreign_key_list(t)', [OK]],
    ['PRAGMA journal_mode', [OK]],
    ['PRAGMA defer_foreign_keys = ON', [OK]], // works inside a transaction: it is the in-transaction tool
    ['PRAGMA legacy_alter_table = ON', [OK]], // works inside a transaction too
    ['PRAGMA user_version = 3', [OK]],
    ['PRAGMA "foreign""_keys" = OFF', [OK]], // the pragma foreign"_keys does not exist: SQLite ignores it
    ['PRAGMA fore\u0131gn_keys = OFF', [OK]], // dotless i: SQLite folds ASCII case only, so no match
    ['SELECT foreign_keys FROM pragma_foreign_keys', [OK]],
  ])

  classifies('transaction control, VACUUM', [
    ['BEGIN', [TX]],
    ['begin immediate', [TX]],
    ['BEGIN EXCLUSIVE TRANSACTION', [TX]],
    ['BEGIN IMMEDIATE TRANSACTION', [TX]],
    ['COMMIT', [TX]],
    ['commit transaction', [TX]],
    ['COMMIT/*x*/TRANSACTION', [TX]],
    ['END', [TX]],
    ['END TRANSACTION', [TX]],
    ['ROLLBACK', [TX]],
    ['RollBack Transaction', [TX]],
    ['ROLLBACK TRANSACTION "to"', [TX]], // a transaction named "to": still a full rollback
    ['VACUUM', [NO_TX]],
    ['vacuum main', [NO_TX]],
    ["VACUUM INTO 'copy.db'", [NO_TX]],
    ['CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1); COMMIT', [OK, OK, TX]],
    ['SELECT 1;COMMIT', [OK, TX]],
    ['SELECT 1;\tCoMmIt', [OK, TX]],
    ['SELECT 1;\vCOMMIT', [OK, TX]], // SQLite skips \v between statements (inside one it is an error)
    ['SELECT 1;\n-- done\nCOMMIT;', [OK, TX]],
    ['SELECT 1; -- done\r\nEND', [OK, TX]],
    ['SELECT 1; /* then */ VACUUM', [OK, NO_TX]],
    ['SELECT 1;;; end transaction;', [OK, TX]],
    ['/* a */ -- b\nBEGIN', [TX]],
  ])

  classifies('savepoints and look-alikes stay allowed', [
    ['ROLLBACK TO x', [OK]],
    ['ROLLBACK TO SAVEPOINT sp', [OK]],
    ['rollback transaction to savepoint "x"', [OK]],
    ['ROLLBACK TRANSACTION tx TO sp', [OK]],
    ['SAVEPOINT sp; RELEASE sp', [OK, OK]],
    ['RELEASE SAVEPOINT sp', [OK]],
    ['CREATE TABLE "begin" (id INTEGER)', [OK]],
    ['CREATE TABLE begin (end); SELECT begin.end FROM begin', [OK, OK]],
    ["SELECT RAISE(ROLLBACK, 'x')", [OK]],
    ['"COMMIT"', [OK]], // a quoted name is never a keyword (SQLite: syntax error)
  ])

  classifies('trigger bodies', [
    ['CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET n = CASE WHEN new.a THEN 1 ELSE 0 END; DELETE FROM z; END; COMMIT', [OK, TX]],
    ['CREATE TRIGGER tr AFTER UPDATE ON t BEGIN UPDATE t SET "end" = NEW."end" WHERE "begin" = 1; END; COMMIT', [OK, TX]],
    [
      'CREATE TABLE "begin" ("end", [case]); CREATE TRIGGER tr AFTER INSERT ON "begin" BEGIN SELECT [case] FROM "begin"; END; COMMIT',
      [OK, OK, TX],
    ],
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT t.end FROM t; END; SELECT 1', [OK, OK]],
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET end = new.end WHERE t.end = old.begin; END; COMMIT', [OK, TX]],
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT end FROM t end WHERE end.end; END', [OK]],
    [
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN new.a THEN CASE new.b WHEN 1 THEN 'x' END ELSE 'y' END; END; COMMIT",
      [OK, TX],
    ],
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; SELECT 3; END; END', [OK, TX]],
    ['CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END; COMMIT', [OK, TX]],
    ['create temporary trigger tr after insert on t begin select 1; end; commit', [OK, TX]],
    [
      'CREATE TRIGGER "end" AFTER UPDATE OF begin, end ON "begin" FOR EACH ROW WHEN new.begin <> old.end BEGIN SELECT 1; END; VACUUM',
      [OK, NO_TX],
    ],
    ["CREATE TRIGGER tr BEFORE DELETE ON t BEGIN SELECT RAISE(ROLLBACK, 'no'); END", [OK]],
    ["CREATE TRIGGER tr BEFORE DELETE ON t BEGIN SELECT RAISE(ROLLBACK, 'no') WHERE old.a; END; ROLLBACK", [OK, TX]],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('; END; COMMIT'); END; COMMIT", [OK, TX]],
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; /* ; END; */ END -- ; COMMIT\n; BEGIN', [OK, TX]],
    ['EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END; COMMIT', [OK, TX]],
    // Not a trigger: the old guard counted BEGIN/END in any statement that mentioned TRIGGER.
    ['CREATE TABLE trigger (begin); COMMIT', [OK, TX]],
    ['CREATE TABLE temp (trigger, begin); COMMIT', [OK, TX]],
    // SQLite rejects an END followed by more than a semicolon; the guard still sees what follows.
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END COMMIT', [OK, TX]],
    // `SELECT 1 END` names a column END, so the body goes on and SQLite rejects COMMIT in it: nothing runs.
    ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1 END; COMMIT; END; SELECT 2', [OK, OK]],
  ])

  classifies('string literals and comments are not statements', [
    ["INSERT INTO t VALUES ('BEGIN; COMMIT')", [OK]],
    ["INSERT INTO t VALUES ('COMMIT; PRAGMA foreign_keys=OFF')", [OK]],
    ["INSERT INTO t VALUES ('it''s; COMMIT; PRAGMA foreign_keys=OFF')", [OK]],
    ['SELECT "a;COMMIT"', [OK]],
    ['SELECT "a"";COMMIT"', [OK]],
    ['SELECT [x;COMMIT]', [OK]],
    ['SELECT [x"];COMMIT', [OK, TX]], // no escapes inside []
    ['SELECT `x``;COMMIT`', [OK]],
    ["SELECT x'00'; COMMIT", [OK, TX]],
    ['-- COMMIT\nSELECT 1', [OK]],
    ['/* BEGIN; */ SELECT 1', [OK]],
    ['-- PRAGMA foreign_keys=OFF\nSELECT 1', [OK]],
    ['SELECT 1 -- ; COMMIT', [OK]],
    ['SELECT 1 /* ; COMMIT */', [OK]],
    ['SELECT 1 /* ; COMMIT *', [OK]],
    ["SELECT '/*'; COMMIT; SELECT '*/'", [OK, TX, OK]],
    ["SELECT 1 /* ' */; COMMIT", [OK, TX]],
    ["SELECT 1 -- '\n; COMMIT", [OK, TX]],
  ])

  // SQLite ends an unclosed /* comment at the end of the input (nothing after it runs), but rejects an unclosed
  // quote. The guard drops an unclosed quote and keeps reading, so what follows it is still classified.
  classifies('unterminated quotes and comments', [
    ['SELECT 1; /* COMMIT', [OK]],
    ['SELECT 1; /* COMMIT; */ /* PRAGMA foreign_keys = OFF', [OK]],
    ["SELECT 'abc; COMMIT", [OK, TX]],
    ["INSERT INTO t VALUES ('it's'); COMMIT", [OK, TX]],
    ['SELECT "abc; PRAGMA foreign_keys=OFF', [OK, FK]],
    ['SELECT [abc; VACUUM', [OK, NO_TX]],
    ['SELECT `abc; COMMIT', [OK, TX]],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 'x; END; COMMIT", [OK, TX]],
  ])

  // With TCL variables compiled in, SQLite reads $a(...) up to a space or ')' as one variable, quotes included.
  classifies('parameters', [
    ["SELECT $a(') ; COMMIT ; SELECT ('", [OK, TX, OK]],
    ['SELECT :a, @b, ?1, ?; COMMIT', [OK, TX]],
  ])

  it('reads a 3 MB literal full of doubled quotes without running out of stack', async () => {
    assert.deepEqual(classifySql(`INSERT INTO t VALUES ('${"it''s ".repeat(500_000)}'); COMMIT`), [OK, TX])
  })

  it('returns each statement’s tokens, keywords upper-cased and quoted names as written', async () => {
    assert.deepEqual(statementWords('pragma "Foreign_Keys" = off; /* c */ select [end]'), [
      ['PRAGMA', '"Foreign_Keys"', '=', 'OFF'],
      ['SELECT', '[end]'],
    ])
  })

  describe('messages say what to do instead', () => {
    it('for transaction control', async () => {
      for (const sql of ['COMMIT', 'SELECT 1; END TRANSACTION', 'BEGIN IMMEDIATE']) {
        assert.match(transactionalViolation(sql) ?? '', /runs its own BEGIN\/COMMIT\/ROLLBACK.*export `const transaction = false`/)
      }
    })

    it('for PRAGMA writable_schema, naming the opt-in, unless the migration opted in', async () => {
      assert.match(transactionalViolation('PRAGMA writable_schema = ON') ?? '', /defensive mode.*export `const unsafe = true`/)
      assert.equal(inspectSql('PRAGMA writable_schema = ON', { allowUnsafe: true }).violation, undefined)
      assert.equal(transactionalViolation('PRAGMA writable_schema'), undefined) // reading it is fine
    })

    it('for PRAGMA foreign_keys, quoted or not', async () => {
      for (const sql of ['PRAGMA foreign_keys = OFF', 'PRAGMA "foreign_keys" = OFF']) {
        assert.match(transactionalViolation(sql) ?? '', /has no effect inside a transaction.*export `const foreignKeys = false`/)
      }
    })

    it('for VACUUM and pragmas that need no transaction, quoting that statement (not the one before it)', async () => {
      assert.match(
        transactionalViolation('CREATE TABLE t (id INTEGER); VACUUM') ?? '',
        /^"VACUUM" cannot run inside a transaction\. Move it to a migration of its own that exports `const transaction = false`, so that the rest of this migration stays atomic$/,
      )
      assert.match(
        transactionalViolation('SELECT 1;\n  PRAGMA /* wal */ journal_mode\n= WAL;') ?? '',
        /^"PRAGMA journal_mode = WAL" cannot run/,
      )
      assert.match(transactionalViolation('SELECT 1; PRAGMA main."page_size"=4096') ?? '', /^"PRAGMA main."page_size"=4096" cannot run/)
      const long = transactionalViolation(`VACUUM INTO '${'x'.repeat(200)}.db'`) ?? ''
      assert.ok(long.length < 300, long)
    })

    it('for the first refused statement', async () => {
      assert.match(transactionalViolation('SELECT 1; VACUUM; COMMIT') ?? '', /^"VACUUM"/)
    })

    it('nothing for allowed SQL', async () => {
      assert.equal(transactionalViolation('CREATE TABLE t (id INTEGER)'), undefined)
      assert.equal(transactionalViolation("CREATE TRIGGER tr BEFORE DELETE ON t BEGIN SELECT RAISE(ROLLBACK, 'x'); END;"), undefined)
      assert.equal(transactionalViolation('SAVEPOINT a; ROLLBACK TO a; RELEASE a; PRAGMA foreign_key_check'), undefined)
    })
  })
})
