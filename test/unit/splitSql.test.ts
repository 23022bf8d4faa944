import { strict as assert } from 'node:assert';
import { loadSqlScanner, splitSql, type SqlStatementKind } from '../../src/core/postgres/splitSql';

/** [what it is, the file, the statements expected: text, or [kind, text] for flagged ones]. */
type Case = [string, string, (string | [SqlStatementKind, string])[]];

const CASES: Case[] = [
  ['one statement with a semicolon', 'SELECT 1;', ['SELECT 1']],
  ['one statement without a semicolon', 'SELECT 1', ['SELECT 1']],
  ['two statements on one line', 'SELECT 1; SELECT 2;', ['SELECT 1', 'SELECT 2']],
  ['statements on separate lines', 'SELECT 1;\n\nSELECT 2;\n', ['SELECT 1', 'SELECT 2']],
  ['empty file', '', []],
  ['only whitespace', '  \n\t\n', []],
  ['only comments', '-- nothing here;\n/* nor; here */\n', []],
  ['stray semicolons', ';;; SELECT 1;;', ['SELECT 1']],
  ['string with a semicolon', "SELECT 'a;b';", ["SELECT 'a;b'"]],
  ['string with a doubled quote and a semicolon', "SELECT 'it''s; fine';", ["SELECT 'it''s; fine'"]],
  ['E string with an escaped quote', "SELECT E'it\\'s; fine'; SELECT 2;", ["SELECT E'it\\'s; fine'", 'SELECT 2']],
  ['E string with an escaped backslash before the quote', "SELECT E'a\\\\'; SELECT 2;", ["SELECT E'a\\\\'", 'SELECT 2']],
  ['quoted identifier with a semicolon', 'SELECT 1 AS "a;b";', ['SELECT 1 AS "a;b"']],
  ['quoted identifier with a doubled quote', 'CREATE TABLE "x "" ; y" (id int);', ['CREATE TABLE "x "" ; y" (id int)']],
  ['unicode identifier and string', "SELECT 'Ω;é' FROM \"Sales Ω\".t; SELECT 2;", ["SELECT 'Ω;é' FROM \"Sales Ω\".t", 'SELECT 2']],
  ['emoji before a boundary', "SELECT '🙂'; SELECT 2;", ["SELECT '🙂'", 'SELECT 2']],
  ['line comment with a semicolon', 'SELECT 1 -- not; the end\n, 2;', ['SELECT 1 -- not; the end\n, 2']],
  ['block comment with a semicolon', 'SELECT /* ; */ 1;', ['SELECT /* ; */ 1']],
  ['nested block comments', 'SELECT /* a /* b; */ c; */ 1; SELECT 2;', ['SELECT /* a /* b; */ c; */ 1', 'SELECT 2']],
  ['comment before a statement is not part of its start', '-- weekly\nVACUUM t;', ['VACUUM t']],
  ['comment between statements', 'SELECT 1; /* x; */ SELECT 2;', ['SELECT 1', 'SELECT 2']],
  ['function with $$ body', "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql; SELECT f();", ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql", 'SELECT f()']],
  ['function with a tagged $fn$ body', 'CREATE FUNCTION g() RETURNS void AS $fn$ BEGIN PERFORM 1; END; $fn$ LANGUAGE plpgsql;', ['CREATE FUNCTION g() RETURNS void AS $fn$ BEGIN PERFORM 1; END; $fn$ LANGUAGE plpgsql']],
  ['a $$ inside a tagged body', "CREATE FUNCTION h() RETURNS text AS $body$ SELECT '$$;'; $body$ LANGUAGE sql;", ["CREATE FUNCTION h() RETURNS text AS $body$ SELECT '$$;'; $body$ LANGUAGE sql"]],
  ['DO block', "DO $$ BEGIN RAISE NOTICE 'x;'; END $$; SELECT 1;", ["DO $$ BEGIN RAISE NOTICE 'x;'; END $$", 'SELECT 1']],
  ['DO block with a tag and language', 'DO LANGUAGE plpgsql $do$ DECLARE n int; BEGIN n := 1; END $do$;', ['DO LANGUAGE plpgsql $do$ DECLARE n int; BEGIN n := 1; END $do$']],
  ['positional parameters are not dollar quotes', 'PREPARE p AS SELECT $1::int; EXECUTE p(1);', ['PREPARE p AS SELECT $1::int', 'EXECUTE p(1)']],
  ['BEGIN ATOMIC body', 'CREATE FUNCTION a() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT a();', ['CREATE FUNCTION a() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END', 'SELECT a()']],
  ['BEGIN ATOMIC with CASE … END inside', 'CREATE FUNCTION b(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; END; SELECT 3;', ['CREATE FUNCTION b(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; END', 'SELECT 3']],
  ['a transaction block stays statement by statement', 'BEGIN; UPDATE t SET a = 1; COMMIT;', ['BEGIN', 'UPDATE t SET a = 1', 'COMMIT']],
  ['CREATE RULE with several actions in parentheses', 'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO l VALUES (1); INSERT INTO l VALUES (2)); SELECT 1;', ['CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO l VALUES (1); INSERT INTO l VALUES (2))', 'SELECT 1']],
  ['VACUUM and CREATE INDEX CONCURRENTLY', 'VACUUM (ANALYZE) public.t;\nCREATE INDEX CONCURRENTLY ix ON t (a);', ['VACUUM (ANALYZE) public.t', 'CREATE INDEX CONCURRENTLY ix ON t (a)']],
  ['multi-line statement keeps its lines', 'SELECT a,\n       b\n  FROM t\n WHERE c = 1;', ['SELECT a,\n       b\n  FROM t\n WHERE c = 1']],
  ['CRLF line ends', 'SELECT 1;\r\nSELECT 2;\r\n', ['SELECT 1', 'SELECT 2']],
  ['bit and hex strings', "SELECT B'101', X'1F'; SELECT 2;", ["SELECT B'101', X'1F'", 'SELECT 2']],
  ['Unicode-escaped string', "SELECT U&'d\\0061t;a'; SELECT 2;", ["SELECT U&'d\\0061t;a'", 'SELECT 2']],
  ['operators that contain characters of comments', 'SELECT 2 - -1, 4 / 2; SELECT 3;', ['SELECT 2 - -1, 4 / 2', 'SELECT 3']],
  ['a psql meta-command is flagged, not sent', '\\timing on\nSELECT 1;', [['psql-meta', '\\timing on'], 'SELECT 1']],
  ['meta-commands between statements', 'SELECT 1;\n\\x\nSELECT 2;\n\\gset', ['SELECT 1', ['psql-meta', '\\x'], 'SELECT 2', ['psql-meta', '\\gset']]],
  ['\\connect with arguments', "\\c shop\nSELECT 'a;b';", [['psql-meta', '\\c shop'], "SELECT 'a;b'"]],
  ['a backslash inside a function body is not a meta-command', "CREATE FUNCTION r() RETURNS text AS $$\n\\d is text here; $$ LANGUAGE sql;", ["CREATE FUNCTION r() RETURNS text AS $$\n\\d is text here; $$ LANGUAGE sql"]],
  ['a backslash inside a string is not a meta-command', "SELECT '\n\\x';", ["SELECT '\n\\x'"]],
  ['COPY FROM STDIN with its data is flagged', 'COPY t (a, b) FROM STDIN;\n1\tx;y\n2\tz\n\\.\nSELECT 1;', [['copy-from-stdin', 'COPY t (a, b) FROM STDIN'], 'SELECT 1']],
  ['COPY FROM STDIN with options', "COPY t FROM STDIN WITH (FORMAT csv);\n1,'a'\n\\.\n", [['copy-from-stdin', 'COPY t FROM STDIN WITH (FORMAT csv)']]],
  ['COPY TO STDOUT is ordinary SQL', 'COPY t TO STDOUT; SELECT 1;', ['COPY t TO STDOUT', 'SELECT 1']],
  ['COPY FROM a file is ordinary SQL', "COPY t FROM '/tmp/x.csv'; SELECT 1;", ["COPY t FROM '/tmp/x.csv'", 'SELECT 1']],
  ['an unterminated string flags the rest', "SELECT 1; SELECT 'oops; SELECT 2;", ['SELECT 1', ['incomplete', "SELECT 'oops; SELECT 2;"]]],
  ['an unterminated comment flags the rest', 'SELECT 1; /* open; SELECT 2;', ['SELECT 1', ['incomplete', '/* open; SELECT 2;']]],
  ['an unterminated dollar body flags the rest', 'SELECT 1;\nDO $$ BEGIN', ['SELECT 1', ['incomplete', 'DO $$ BEGIN']]],
  ['an unterminated identifier with nothing before it', 'SELECT "x', [['incomplete', 'SELECT "x']]],
  ['\\gset ends the statement before it', 'SELECT 1 AS n \\gset\nSELECT 2;', ['SELECT 1 AS n', ['psql-meta', '\\gset'], 'SELECT 2']],
  ['a meta-command after a statement on the same line', 'SELECT 1; \\x\nSELECT 2;', ['SELECT 1', ['psql-meta', '\\x'], 'SELECT 2']],
  ['keywords in any case', 'select 1; Select 2;', ['select 1', 'Select 2']],
  ['identifiers with dots and semicolons, quoted', 'REINDEX INDEX CONCURRENTLY "Sales Ω"."ix ""odd"" ; name";', ['REINDEX INDEX CONCURRENTLY "Sales Ω"."ix ""odd"" ; name"']],
  ['a statement ending in a comment', 'SELECT 1 -- done', ['SELECT 1']],
];

describe('SQL statement splitting (PostgreSQL\'s scanner)', () => {
  before(async function () {
    this.timeout(20_000);
    await loadSqlScanner();
  });

  it(`has a corpus of at least 50 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 50);
  });

  for (const [what, input, expected] of CASES) {
    it(what, () => {
      const got = splitSql(input).map((s) => (s.kind === 'sql' ? s.text : [s.kind, s.text]));
      assert.deepEqual(got, expected);
    });
  }

  it('gives offsets that point at each statement in the file', () => {
    const input = "-- x\nSELECT 'Ω'; \\x\nSELECT 2";
    for (const s of splitSql(input)) assert.ok(input.slice(s.start, s.end).startsWith(s.text), JSON.stringify(s));
    const [first] = splitSql(input);
    assert.equal(first?.start, 5);
    assert.equal(first?.end, 16);
  });
});
