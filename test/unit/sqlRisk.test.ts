import { strict as assert } from 'node:assert';
import { classifySql, loadSqlParser, type SqlAnalysis } from '../../src/core/postgres/sqlRisk';

type Expect = Partial<Pick<SqlAnalysis, 'risk' | 'writes' | 'explainable' | 'streamable' | 'transactionControl'>> & { reason?: RegExp };

/** Statement → what the classifier must say about it. */
const CASES: [string, Expect][] = [
  ['SELECT * FROM orders WHERE id = 1', { risk: 'safe', writes: false, explainable: true, streamable: true }],
  ["SELECT 'DROP TABLE x; DELETE FROM y' AS s", { risk: 'safe', writes: false }],
  ['SELECT 1 /* DELETE FROM t */ -- TRUNCATE t', { risk: 'safe', writes: false }],
  ['SELECT * FROM t FOR UPDATE', { risk: 'safe', writes: true }],
  ['SELECT * INTO copy FROM t', { writes: true, streamable: false }],
  ['WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone', { risk: 'destructive', writes: true, reason: /DELETE without WHERE/ }],
  ['WITH gone AS (DELETE FROM t WHERE id < 10 RETURNING *) SELECT count(*) FROM gone', { risk: 'safe', writes: true }],
  ['DELETE FROM public.orders', { risk: 'destructive', writes: true, reason: /every row of public\.orders/ }],
  ['delete from "Sales Ω"."odd ; name"', { risk: 'destructive', reason: /Sales Ω\.odd ; name/ }],
  ['DELETE FROM orders WHERE created < now() - interval \'1 year\'', { risk: 'safe', writes: true, explainable: true }],
  ['UPDATE orders SET status = 1', { risk: 'destructive', reason: /UPDATE without WHERE/ }],
  ['UPDATE orders SET status = 1 WHERE id = 3', { risk: 'safe', writes: true }],
  ['INSERT INTO t VALUES (1)', { risk: 'safe', writes: true, explainable: true, streamable: false }],
  ['INSERT INTO t VALUES (1) RETURNING id', { streamable: true }],
  ['DROP TABLE orders', { risk: 'destructive', reason: /DROP removes the table/ }],
  ['DROP SCHEMA old CASCADE', { risk: 'destructive', reason: /CASCADE/ }],
  ['DROP INDEX CONCURRENTLY IF EXISTS ix', { risk: 'destructive', writes: true }],
  ['DROP DATABASE scratch', { risk: 'destructive' }],
  ['DROP ROLE bob', { risk: 'destructive' }],
  ['TRUNCATE orders, items', { risk: 'destructive', reason: /TRUNCATE/ }],
  ['VACUUM FULL orders', { risk: 'blocking', writes: true, reason: /ACCESS EXCLUSIVE/ }],
  ['VACUUM (FULL, VERBOSE, ANALYZE) orders', { risk: 'blocking' }],
  ['VACUUM (FULL false) orders', { risk: 'safe' }],
  ['VACUUM (VERBOSE, ANALYZE) orders', { risk: 'safe', writes: true, explainable: false, streamable: false }],
  ['ANALYZE orders', { risk: 'safe', writes: true }],
  ['CLUSTER orders USING orders_pkey', { risk: 'blocking', reason: /CLUSTER/ }],
  ['ALTER TABLE orders SET TABLESPACE fast', { risk: 'blocking', reason: /SET TABLESPACE/ }],
  ['ALTER INDEX ix SET TABLESPACE fast', { risk: 'blocking' }],
  ['ALTER TABLE ALL IN TABLESPACE slow SET TABLESPACE fast', { risk: 'blocking' }],
  ['ALTER TABLE orders DROP COLUMN note', { risk: 'destructive', reason: /DROP COLUMN/ }],
  ['ALTER TABLE orders ADD COLUMN note text', { risk: 'safe', writes: true }],
  ['REINDEX TABLE orders', { risk: 'blocking', reason: /CONCURRENTLY/ }],
  ['REINDEX TABLE CONCURRENTLY orders', { risk: 'safe', writes: true }],
  ['REINDEX (VERBOSE, CONCURRENTLY) INDEX ix', { risk: 'safe' }],
  ['CREATE INDEX ix ON orders (created)', { risk: 'blocking', reason: /blocks writes to orders/ }],
  ['CREATE INDEX CONCURRENTLY ix ON orders (created)', { risk: 'safe', writes: true }],
  ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE', { risk: 'blocking' }],
  ['CHECKPOINT', { risk: 'safe', writes: true }],
  ['SHOW work_mem', { risk: 'safe', writes: false, streamable: true, explainable: false }],
  ['SET statement_timeout = 0', { writes: false, streamable: false }],
  ['EXPLAIN SELECT * FROM t', { writes: false, streamable: true, explainable: false }],
  ['EXPLAIN DELETE FROM t', { writes: false, risk: 'safe' }],
  ['EXPLAIN (ANALYZE) DELETE FROM t WHERE id = 1', { writes: true, risk: 'safe' }],
  ['EXPLAIN ANALYZE DELETE FROM t', { writes: true, risk: 'destructive' }],
  ['EXPLAIN (ANALYZE, BUFFERS) SELECT 1', { writes: false }],
  ["DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$", { writes: true, risk: 'safe' }],
  ['BEGIN', { transactionControl: true }],
  ['COMMIT', { transactionControl: true }],
  ['CREATE TABLE t2 AS SELECT * FROM t', { writes: true, explainable: true }],
  ['SELECT pg_sleep(1)', { writes: false, streamable: true }],
  ['VALUES (1), (2)', { writes: false, streamable: true }],
  ['TABLE orders', { writes: false, streamable: true }],
];

describe('SQL statement risk (PostgreSQL parser)', () => {
  before(loadSqlParser);

  for (const [sql, expect] of CASES) {
    it(sql, () => {
      const got = classifySql(sql);
      const { reason, ...fields } = expect;
      for (const [k, v] of Object.entries(fields)) assert.equal(got[k as keyof SqlAnalysis], v, `${k} of ${sql}: ${JSON.stringify(got)}`);
      if (reason) assert.match(got.reasons.join(' '), reason);
      if (got.risk !== 'safe') assert.ok(got.reasons.length > 0, 'a risky statement says why');
    });
  }

  it('a statement the parser rejects is sent as typed, counted as a write, with the parser message', () => {
    const got = classifySql('SELEC 1');
    assert.match(got.parseError ?? '', /syntax error at or near "SELEC"/);
    assert.equal(got.writes, true);
  });
});
