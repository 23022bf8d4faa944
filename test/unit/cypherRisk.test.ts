import { strict as assert } from 'node:assert';
import { classifyCypher } from '../../src/core/neo4j/cypherRisk';
import type { Risk } from '../../src/core/postgres/maintenance';

interface Case {
  what: string;
  text: string;
  risk: Risk;
  writes: boolean;
  explainable: boolean;
  /** The first reason matches this (or there are no reasons when null). */
  reason?: RegExp | null;
}

const CASES: Case[] = [
  // reads
  { what: 'a plain read', text: 'MATCH (n:Person) RETURN n.name LIMIT 10', risk: 'safe', writes: false, explainable: true, reason: null },
  {
    what: 'DETACH DELETE inside a string is not a keyword',
    text: "MATCH (n {note: 'DETACH DELETE'}) RETURN n",
    risk: 'safe', writes: false, explainable: true, reason: null,
  },
  { what: 'DELETE inside a double-quoted string', text: 'RETURN "MATCH (n) DELETE n" AS s', risk: 'safe', writes: false, explainable: true },
  { what: 'DELETE in a line comment', text: 'MATCH (n) // then DETACH DELETE n\nRETURN count(n)', risk: 'safe', writes: false, explainable: true },
  { what: 'DROP and DELETE in a block comment', text: '/* DROP INDEX x; DELETE n */ MATCH (n) RETURN n', risk: 'safe', writes: false, explainable: true },
  { what: 'backtick names that look like keywords', text: 'MATCH (n:`DELETE`)-[:`CREATE`]->(m) RETURN n.`set`, m', risk: 'safe', writes: false, explainable: true },
  { what: 'labels, types, properties and map keys named like keywords', text: 'MATCH (n:Delete)-[:DROP]->(m) RETURN n.delete, {create: 1, set: 2}', risk: 'safe', writes: false, explainable: true },
  { what: 'an escaped quote does not end the string early', text: "RETURN 'it\\'s DETACH DELETE n' AS s", risk: 'safe', writes: false, explainable: true },
  { what: 'SHOW INDEXES is a read that EXPLAIN does not prefix', text: 'SHOW INDEXES', risk: 'safe', writes: false, explainable: false },
  { what: 'SHOW TRANSACTIONS with YIELD', text: 'SHOW TRANSACTIONS YIELD transactionId, currentQuery WHERE elapsedTime.seconds > 10 RETURN *', risk: 'safe', writes: false, explainable: false },
  { what: 'a read procedure call', text: 'CALL db.labels() YIELD label RETURN label', risk: 'safe', writes: false, explainable: true },
  { what: 'apoc.meta.stats is a read', text: 'CALL apoc.meta.stats()', risk: 'safe', writes: false, explainable: true },
  { what: 'USE before a read', text: 'USE neo4j MATCH (n) RETURN count(n)', risk: 'safe', writes: false, explainable: true },
  // deletes
  { what: 'MATCH (n) DETACH DELETE n', text: 'MATCH (n) DETACH DELETE n', risk: 'destructive', writes: true, explainable: true, reason: /DETACH DELETE with no LIMIT/ },
  { what: 'lower-case detach delete', text: 'match (n:Tmp) detach delete n', risk: 'destructive', writes: true, explainable: true, reason: /every matched node/ },
  { what: 'DELETE of relationships without LIMIT', text: 'MATCH ()-[r:OLD]->() DELETE r', risk: 'destructive', writes: true, explainable: true, reason: /^DELETE with no LIMIT/ },
  { what: 'DETACH DELETE after WITH … LIMIT is safe but writes', text: 'MATCH (n:Tmp) WITH n LIMIT 1000 DETACH DELETE n', risk: 'safe', writes: true, explainable: true, reason: /after a LIMIT/ },
  { what: 'LIMIT only inside a string does not bound the delete', text: "MATCH (n {note: 'LIMIT 5'}) DELETE n", risk: 'destructive', writes: true, explainable: true },
  { what: 'LIMIT after the DELETE does not bound it', text: 'MATCH (n) DETACH DELETE n RETURN count(*) AS c LIMIT 1', risk: 'destructive', writes: true, explainable: true },
  {
    what: 'CALL { DELETE } IN TRANSACTIONS is destructive even after a LIMIT',
    text: 'MATCH (n:Tmp) WITH n LIMIT 100000 CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS',
    risk: 'destructive', writes: true, explainable: true, reason: /IN TRANSACTIONS deletes in batches/,
  },
  { what: 'IN CONCURRENT TRANSACTIONS', text: 'MATCH (n:Tmp) CALL (n) { DELETE n } IN 4 CONCURRENT TRANSACTIONS', risk: 'destructive', writes: true, explainable: true },
  {
    what: 'apoc.periodic.iterate with DETACH DELETE in its inner string',
    text: "CALL apoc.periodic.iterate('MATCH (n:Tmp) RETURN n', 'DETACH DELETE n', {batchSize: 1000})",
    risk: 'destructive', writes: true, explainable: true, reason: /apoc\.periodic\.iterate runs a DELETE batch after batch/,
  },
  {
    what: 'apoc.periodic.commit with a LIMIT inside still deletes everything',
    text: "CALL apoc.periodic.commit('MATCH (n:Tmp) WITH n LIMIT $limit DETACH DELETE n RETURN count(*)', {limit: 1000})",
    risk: 'destructive', writes: true, explainable: true,
  },
  {
    what: 'apoc.periodic.iterate that only sets properties writes',
    text: "CALL apoc.periodic.iterate(\"MATCH (n:Person) RETURN n\", \"SET n.seen = true\", {batchSize: 500})",
    risk: 'safe', writes: true, explainable: true, reason: /Changes data \(SET\)/,
  },
  { what: 'apoc.periodic.truncate', text: 'CALL apoc.periodic.truncate()', risk: 'destructive', writes: true, explainable: true },
  // schema and administration
  { what: 'DROP INDEX x', text: 'DROP INDEX x', risk: 'destructive', writes: true, explainable: false, reason: /^Drops index x:/ },
  { what: 'drop constraint if exists (lower case)', text: 'drop constraint person_id if exists', risk: 'destructive', writes: true, explainable: false, reason: /^Drops constraint person_id:/ },
  { what: 'DROP DATABASE', text: 'DROP DATABASE sales IF EXISTS', risk: 'destructive', writes: true, explainable: false, reason: /Drops database sales and all of its data/ },
  { what: 'DROP COMPOSITE DATABASE', text: 'DROP COMPOSITE DATABASE `all-shards`', risk: 'destructive', writes: true, explainable: false, reason: /database `all-shards`/ },
  { what: 'CREATE INDEX writes and is not explainable', text: 'CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)', risk: 'safe', writes: true, explainable: false, reason: /^Creates index person_name/ },
  { what: 'CREATE TEXT INDEX without a name', text: 'CREATE TEXT INDEX FOR (n:Doc) ON (n.body)', risk: 'safe', writes: true, explainable: false, reason: /^Creates an index;/ },
  { what: 'CREATE CONSTRAINT', text: 'CREATE CONSTRAINT person_id FOR (p:Person) REQUIRE p.id IS UNIQUE', risk: 'safe', writes: true, explainable: false, reason: /constraint person_id/ },
  { what: 'STOP DATABASE blocks', text: 'STOP DATABASE reports', risk: 'blocking', writes: true, explainable: false, reason: /Stops database reports/ },
  { what: 'ALTER USER … SET PASSWORD is administration, not a data change', text: "ALTER USER bob SET PASSWORD 'changeme'", risk: 'safe', writes: true, explainable: false, reason: /^ALTER is an administration command/ },
  { what: 'TERMINATE TRANSACTIONS writes', text: "TERMINATE TRANSACTIONS 'neo4j-transaction-42'", risk: 'safe', writes: true, explainable: false },
  // other writes
  { what: 'CREATE of data', text: "CREATE (:Person {name: 'Ann'})", risk: 'safe', writes: true, explainable: true, reason: /Changes data \(CREATE\)/ },
  { what: 'MERGE … ON CREATE SET', text: 'MERGE (p:Person {id: 1}) ON CREATE SET p.created = timestamp()', risk: 'safe', writes: true, explainable: true, reason: /MERGE, CREATE, SET/ },
  { what: 'REMOVE a label', text: 'MATCH (n:Old) REMOVE n:Old', risk: 'safe', writes: true, explainable: true },
  { what: 'LOAD CSV', text: "LOAD CSV WITH HEADERS FROM 'file:///x.csv' AS row MERGE (:Row {id: row.id})", risk: 'safe', writes: true, explainable: true, reason: /LOAD CSV, MERGE/ },
  { what: 'FOREACH', text: 'MATCH p = (a)-[*]->(b) FOREACH (n IN nodes(p) | SET n.marked = true)', risk: 'safe', writes: true, explainable: true },
  { what: 'apoc.create.node writes', text: "CALL apoc.create.node(['Person'], {name: 'Ann'})", risk: 'safe', writes: true, explainable: true, reason: /apoc\.create\.node, which writes/ },
  { what: 'apoc.trigger.list is a read', text: 'CALL apoc.trigger.list()', risk: 'safe', writes: false, explainable: true },
  // prefixes
  { what: 'EXPLAIN runs nothing and is not explained again', text: 'EXPLAIN MATCH (n) DETACH DELETE n', risk: 'safe', writes: false, explainable: false },
  { what: 'PROFILE runs the statement', text: 'PROFILE MATCH (n) DETACH DELETE n', risk: 'destructive', writes: true, explainable: false },
  { what: 'CYPHER options before a write', text: 'CYPHER runtime=slotted MATCH (n) SET n.x = 1', risk: 'safe', writes: true, explainable: true },
  // whole texts
  { what: 'an empty statement', text: '  // nothing here\n', risk: 'safe', writes: false, explainable: false, reason: null },
  { what: 'two statements: the worst counts', text: 'MATCH (n) RETURN n; MATCH (n) DETACH DELETE n;', risk: 'destructive', writes: true, explainable: false },
];

describe('Cypher statement risk', () => {
  it(`has a corpus of at least 25 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 25);
  });

  for (const c of CASES) {
    it(c.what, () => {
      const got = classifyCypher(c.text);
      assert.deepEqual({ risk: got.risk, writes: got.writes, explainable: got.explainable }, { risk: c.risk, writes: c.writes, explainable: c.explainable }, `${c.text}\n${got.reasons.join('\n')}`);
      if (c.reason === null) assert.deepEqual(got.reasons, []);
      else if (c.reason) assert.match(got.reasons[0] ?? '', c.reason, got.reasons.join('\n'));
      if (c.risk !== 'safe' || c.writes) assert.ok(got.reasons.length > 0, 'writes and risks always say why');
    });
  }

  it('puts the most serious reason first', () => {
    const got = classifyCypher("MATCH (n) SET n.x = 1 WITH n DETACH DELETE n");
    assert.equal(got.risk, 'destructive');
    assert.match(got.reasons[0] ?? '', /DETACH DELETE/);
    assert.match(got.reasons[1] ?? '', /Changes data \(SET\)/);
  });

  it('administration commands do not also claim to change data', () => {
    assert.deepEqual(classifyCypher("ALTER USER bob SET PASSWORD 'changeme'").reasons.filter((r) => r.startsWith('Changes data')), []);
  });

  it('does not report the same reason twice', () => {
    const got = classifyCypher('MATCH (n) DELETE n WITH 1 AS x MATCH (m) DELETE m');
    assert.equal(got.reasons.length, 1);
  });
});
