import { strict as assert } from 'node:assert';
import { splitCypher, type CypherStatementKind } from '../../src/core/neo4j/splitCypher';

type Case = [string, string, (string | [CypherStatementKind, string])[]];

const CASES: Case[] = [
  ['one statement', 'MATCH (n) RETURN count(n);', ['MATCH (n) RETURN count(n)']],
  ['no final semicolon', 'MATCH (n) RETURN n', ['MATCH (n) RETURN n']],
  ['two statements', 'SHOW INDEXES; SHOW CONSTRAINTS;', ['SHOW INDEXES', 'SHOW CONSTRAINTS']],
  ['empty and comment-only files', '// nothing;\n/* here; */', []],
  ['single-quoted string with a semicolon', "RETURN 'a;b';", ["RETURN 'a;b'"]],
  ['double-quoted string with a semicolon', 'RETURN "a;b"; RETURN 1;', ['RETURN "a;b"', 'RETURN 1']],
  ['escaped quotes in strings', "RETURN 'it\\'s;' , \"say \\\"hi;\\\"\"; RETURN 2;", ["RETURN 'it\\'s;' , \"say \\\"hi;\\\"\"", 'RETURN 2']],
  ['an escaped backslash before the closing quote', "RETURN 'a\\\\'; RETURN 2;", ["RETURN 'a\\\\'", 'RETURN 2']],
  ['backtick identifier with a semicolon', 'MATCH (n:`My;Label`) RETURN n;', ['MATCH (n:`My;Label`) RETURN n']],
  ['doubled backtick inside an identifier', 'RETURN 1 AS `a``;b`; RETURN 2;', ['RETURN 1 AS `a``;b`', 'RETURN 2']],
  ['line comment with a semicolon', 'MATCH (n) // count; them\nRETURN count(n);', ['MATCH (n) // count; them\nRETURN count(n)']],
  ['block comment with a semicolon', 'MATCH (n) /* ; */ RETURN n;', ['MATCH (n) /* ; */ RETURN n']],
  ['URL-like text inside a string is not a comment', "RETURN 'http://x;y'; RETURN 1;", ["RETURN 'http://x;y'", 'RETURN 1']],
  [':param is a console command', ':param limit => 10\nMATCH (n) RETURN n LIMIT $limit;', [['console', ':param limit => 10'], 'MATCH (n) RETURN n LIMIT $limit']],
  [':use switches database (console)', ':use system\nSHOW DATABASES;', [['console', ':use system'], 'SHOW DATABASES']],
  ['a map literal colon is not a console command', 'RETURN {a: 1};', ['RETURN {a: 1}']],
  ['a label colon inside a statement is not a console command', 'MATCH (n)\n:Person RETURN n;', ['MATCH (n)\n:Person RETURN n']],
  ['CALL { } IN TRANSACTIONS keeps its body', 'MATCH (n:Orphan) CALL (n) { DELETE n } IN TRANSACTIONS OF 1000 ROWS;', ['MATCH (n:Orphan) CALL (n) { DELETE n } IN TRANSACTIONS OF 1000 ROWS']],
  ['multi-line statements keep their lines', 'MATCH (a)-[r]->(b)\nWHERE a.x = 1\nRETURN a, b;', ['MATCH (a)-[r]->(b)\nWHERE a.x = 1\nRETURN a, b']],
  ['an unterminated string flags the rest', "RETURN 1; RETURN 'oops;", ['RETURN 1', ['incomplete', "RETURN 'oops;"]]],
  ['an unterminated comment flags the rest', 'RETURN 1; /* open', ['RETURN 1', ['incomplete', '/* open']]],
  ['unicode in strings and identifiers', "MATCH (n:`Ωmega`) WHERE n.name = 'é;' RETURN n;", ["MATCH (n:`Ωmega`) WHERE n.name = 'é;' RETURN n"]],
];

describe('Cypher statement splitting', () => {
  it(`has a corpus of at least 20 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 20);
  });

  for (const [what, input, expected] of CASES) {
    it(what, () => {
      assert.deepEqual(splitCypher(input).map((s) => (s.kind === 'cypher' ? s.text : [s.kind, s.text])), expected);
    });
  }

  it('gives offsets that point at each statement', () => {
    const input = '// x\nMATCH (n) RETURN n;\n:use neo4j\nRETURN 1';
    for (const s of splitCypher(input)) assert.equal(input.slice(s.start, s.start + s.text.length), s.text);
  });
});
