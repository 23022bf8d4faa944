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
  { what: 'ALTER USER … SET PASSWORD blocks clients using the old password', text: "ALTER USER bob SET PASSWORD 'changeme'", risk: 'blocking', writes: true, explainable: false, reason: /^Changes the password of user bob: clients that log in with the old one are refused/ },
  { what: 'ALTER CURRENT USER SET PASSWORD', text: "ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'b'", risk: 'blocking', writes: true, explainable: false, reason: /your own password/ },
  { what: 'ALTER USER … SET STATUS SUSPENDED', text: 'ALTER USER `etl bot` SET STATUS SUSPENDED', risk: 'blocking', writes: true, explainable: false, reason: /^Suspends user `etl bot`/ },
  { what: 'ALTER DATABASE … SET ACCESS READ ONLY', text: 'ALTER DATABASE sales SET ACCESS READ ONLY', risk: 'blocking', writes: true, explainable: false, reason: /read-only: every write to it is refused/ },
  { what: 'CREATE OR REPLACE DATABASE wipes the database', text: 'CREATE OR REPLACE DATABASE sales', risk: 'destructive', writes: true, explainable: false, reason: /drops database sales and all of its data when it exists/ },
  { what: 'create or replace composite database (lower case)', text: 'create or replace composite database `all`', risk: 'destructive', writes: true, explainable: false, reason: /database `all`/ },
  { what: 'CREATE OR REPLACE USER loses its roles', text: "CREATE OR REPLACE USER ann SET PASSWORD 'x'", risk: 'destructive', writes: true, explainable: false, reason: /drops user ann when it exists/ },
  { what: 'CREATE OR REPLACE ROLE loses its privileges', text: 'CREATE OR REPLACE ROLE analyst', risk: 'destructive', writes: true, explainable: false, reason: /drops role analyst/ },
  { what: 'CREATE USER is a security change asked on production', text: "CREATE USER ann SET PASSWORD 'x' CHANGE NOT REQUIRED", risk: 'safe', writes: true, explainable: false, reason: /^Creates user ann: a security change/ },
  { what: 'CREATE ROLE', text: 'CREATE ROLE analyst IF NOT EXISTS', risk: 'safe', writes: true, explainable: false, reason: /^Creates role analyst/ },
  { what: 'DROP USER', text: 'DROP USER ann IF EXISTS', risk: 'destructive', writes: true, explainable: false, reason: /^Drops user ann: it can no longer log in/ },
  { what: 'DROP ROLE', text: 'DROP ROLE analyst', risk: 'destructive', writes: true, explainable: false, reason: /^Drops role analyst and its privileges/ },
  { what: 'GRANT a privilege widens access', text: 'GRANT ACCESS ON DATABASE sales TO analyst', risk: 'safe', writes: true, explainable: false, reason: /^GRANT ACCESS ON DATABASE sales TO analyst: a security change/ },
  { what: 'GRANT ROLE to a user', text: 'GRANT ROLE analyst TO ann', risk: 'safe', writes: true, explainable: false, reason: /^GRANT ROLE gives analyst to users/ },
  { what: 'DENY refuses a privilege', text: 'DENY WRITE ON GRAPH sales TO analyst', risk: 'blocking', writes: true, explainable: false, reason: /^DENY WRITE ON GRAPH sales TO analyst: users of the role are refused/ },
  { what: 'REVOKE a privilege', text: 'REVOKE GRANT TRAVERSE ON GRAPH * NODES Secret FROM analyst', risk: 'blocking', writes: true, explainable: false, reason: /^REVOKE GRANT TRAVERSE .* FROM analyst: users of the role lose it/ },
  { what: 'REVOKE ROLE from a user', text: 'REVOKE ROLE admin FROM ann', risk: 'blocking', writes: true, explainable: false, reason: /^REVOKE ROLE takes admin from users/ },
  { what: 'RENAME USER', text: 'RENAME USER ann TO anna', risk: 'blocking', writes: true, explainable: false, reason: /^Renames user ann: clients and scripts that use the old name are refused/ },
  // procedures that keep Cypher to run later, and unknown ones
  {
    what: 'apoc.trigger.add with a deleting body is destructive',
    text: "CALL apoc.trigger.add('cleanup', 'UNWIND $createdNodes AS n MATCH (n)-[:OLD]-(m) DETACH DELETE m', {phase: 'after'})",
    risk: 'destructive', writes: true, explainable: true, reason: /apoc\.trigger\.add keeps Cypher that deletes and runs it on every later commit/,
  },
  {
    what: 'apoc.trigger.install with a deleting body is destructive',
    text: "CALL apoc.trigger.install('neo4j', 'purge', 'MATCH (n:Tmp) DELETE n', {phase: 'afterAsync'})",
    risk: 'destructive', writes: true, explainable: true, reason: /apoc\.trigger\.install keeps Cypher that deletes/,
  },
  {
    what: 'apoc.trigger.install with a setting body is a write asked on production',
    text: "CALL apoc.trigger.install('neo4j', 'stamp', 'UNWIND $createdNodes AS n SET n.created = timestamp()', {})",
    risk: 'safe', writes: true, explainable: true, reason: /Changes data \(SET\)|keeps Cypher to run on every later commit/,
  },
  {
    what: 'apoc.periodic.repeat with a delete runs it in the background',
    text: "CALL apoc.periodic.repeat('purge', 'MATCH (n:Expired) WITH n LIMIT 100 DETACH DELETE n', 60)",
    risk: 'destructive', writes: true, explainable: true, reason: /apoc\.periodic\.repeat keeps Cypher that deletes and runs it in the background/,
  },
  {
    what: 'apoc.custom.installProcedure with a deleting body',
    text: "CALL apoc.custom.installProcedure('wipe() :: (n :: INTEGER)', 'MATCH (n) DETACH DELETE n RETURN 1 AS n', 'neo4j', 'write')",
    risk: 'destructive', writes: true, explainable: true, reason: /whenever the custom procedure or function is called/,
  },
  { what: 'apoc.trigger.add with its body in a parameter', text: "CALL apoc.trigger.add('t', $body, {})", risk: 'safe', writes: true, explainable: true },
  { what: 'an unknown procedure counts as a write', text: 'CALL gds.graph.drop($name)', risk: 'safe', writes: true, explainable: true, reason: /gds\.graph\.drop, a procedure Upkeep does not know: counted as a write/ },
  { what: 'a custom namespace procedure counts as a write', text: 'CALL `my`.`cleanup`() YIELD removed RETURN removed', risk: 'safe', writes: true, explainable: true, reason: /my\.cleanup/ },
  { what: 'db.checkpoint is heavy', text: 'CALL db.checkpoint()', risk: 'heavy', writes: true, explainable: true, reason: /flushed to disk/ },
  { what: 'db.stats.retrieve is a read', text: "CALL db.stats.retrieve('GRAPH COUNTS')", risk: 'safe', writes: false, explainable: true, reason: null },
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

  it('security changes and deferred Cypher are asked on production even when safe', () => {
    for (const text of ["CREATE USER ann SET PASSWORD 'x'", 'GRANT ROLE analyst TO ann', "CALL apoc.trigger.add('t', 'SET n.x = 1', {})", 'CALL gds.graph.drop($name)']) {
      assert.equal(classifyCypher(text).asksOnProduction, true, text);
    }
    assert.equal(classifyCypher('MATCH (n) SET n.x = 1').asksOnProduction, undefined);
  });

  it('administration commands do not also claim to change data', () => {
    assert.deepEqual(classifyCypher("ALTER USER bob SET PASSWORD 'changeme'").reasons.filter((r) => r.startsWith('Changes data')), []);
  });

  it('does not report the same reason twice', () => {
    const got = classifyCypher('MATCH (n) DELETE n WITH 1 AS x MATCH (m) DELETE m');
    assert.equal(got.reasons.length, 1);
  });
});
