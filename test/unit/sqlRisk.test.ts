import { strict as assert } from 'node:assert';
import { classifySql, loadSqlParser, type SqlAnalysis } from '../../src/core/postgres/sqlRisk';

type Expect = Partial<Pick<SqlAnalysis, 'risk' | 'writes' | 'explainable' | 'streamable' | 'transactionControl' | 'asksOnProduction' | 'waitsForOlderTransactions'>> & { reason?: RegExp };

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
  ['REINDEX TABLE orders', { risk: 'blocking', reason: /CONCURRENTLY/, waitsForOlderTransactions: false }],
  // Plain REINDEX: ACCESS EXCLUSIVE on the index, and planning locks every index of the table, so reads wait too.
  ['REINDEX INDEX ix', { risk: 'blocking', reason: /ACCESS EXCLUSIVE lock on each index.*practically every query on the table/ }],
  ['REINDEX TABLE CONCURRENTLY orders', { risk: 'safe', writes: true, waitsForOlderTransactions: true }],
  ['REINDEX (VERBOSE, CONCURRENTLY) INDEX ix', { risk: 'safe' }],
  ['CREATE INDEX ix ON orders (created)', { risk: 'blocking', reason: /blocks writes to orders/, waitsForOlderTransactions: false }],
  ['CREATE INDEX CONCURRENTLY ix ON orders (created)', { risk: 'safe', writes: true, waitsForOlderTransactions: true }],
  ['DROP INDEX CONCURRENTLY ix2', { waitsForOlderTransactions: true }],
  ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE', { risk: 'blocking' }],
  ['CHECKPOINT', { risk: 'safe', writes: true }],
  ['SHOW work_mem', { risk: 'safe', writes: false, streamable: true, explainable: false }],
  ['SET statement_timeout = 0', { writes: false, streamable: false }],
  ['EXPLAIN SELECT * FROM t', { writes: false, streamable: true, explainable: false }],
  ['EXPLAIN DELETE FROM t', { writes: false, risk: 'safe' }],
  ['EXPLAIN (ANALYZE) DELETE FROM t WHERE id = 1', { writes: true, risk: 'safe' }],
  ['EXPLAIN ANALYZE DELETE FROM t', { writes: true, risk: 'destructive' }],
  ['EXPLAIN (ANALYZE, BUFFERS) SELECT 1', { writes: false }],
  // A DO block's body cannot be judged: a write that asks on production.
  ["DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$", { writes: true, risk: 'safe', asksOnProduction: true, reason: /DO runs a procedural block/ }],
  ['DO LANGUAGE plpgsql $$ BEGIN PERFORM 1; END $$', { writes: true, asksOnProduction: true }],
  ['CALL archive_orders(2020)', { writes: true, asksOnProduction: true, reason: /CALL runs the procedure archive_orders/ }],
  ['BEGIN', { transactionControl: true }],
  ['COMMIT', { transactionControl: true }],
  ['CREATE TABLE t2 AS SELECT * FROM t', { writes: true, explainable: true }],
  ['SELECT pg_sleep(1)', { writes: false, streamable: true, asksOnProduction: false }],

  // ALTER TABLE forms that hold an ACCESS EXCLUSIVE (or, for a foreign key, SHARE ROW EXCLUSIVE) lock while they scan or rewrite, and the forms that do not.
  ['ALTER TABLE orders ALTER COLUMN qty TYPE bigint', { risk: 'blocking', writes: true, reason: /ALTER COLUMN qty TYPE takes an ACCESS EXCLUSIVE lock on orders.*rewrites/ }],
  ['ALTER TABLE orders ALTER qty SET DATA TYPE numeric USING qty::numeric', { risk: 'blocking', reason: /ACCESS EXCLUSIVE/ }],
  ['ALTER TABLE orders ADD CONSTRAINT orders_cust_fk FOREIGN KEY (cust) REFERENCES customers (id)', { risk: 'blocking', reason: /SHARE ROW EXCLUSIVE locks on orders and customers/ }],
  ['ALTER TABLE orders ADD FOREIGN KEY (cust) REFERENCES app.customers', { risk: 'blocking', reason: /orders and app\.customers/ }],
  ['ALTER TABLE orders ADD CONSTRAINT orders_cust_fk FOREIGN KEY (cust) REFERENCES customers (id) NOT VALID', { risk: 'safe', writes: true }],
  ['ALTER TABLE orders VALIDATE CONSTRAINT orders_cust_fk', { risk: 'safe', writes: true }],
  ['ALTER TABLE orders ADD CONSTRAINT qty_pos CHECK (qty > 0)', { risk: 'blocking', reason: /ADD CHECK without NOT VALID takes an ACCESS EXCLUSIVE lock/ }],
  ['ALTER TABLE orders ADD CONSTRAINT qty_pos CHECK (qty > 0) NOT VALID', { risk: 'safe' }],
  ['ALTER TABLE orders ADD PRIMARY KEY (id)', { risk: 'blocking', reason: /ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock/ }],
  ['ALTER TABLE orders ADD CONSTRAINT orders_pk PRIMARY KEY USING INDEX orders_id_ix', { risk: 'safe' }],
  ['ALTER TABLE orders ALTER COLUMN cust SET NOT NULL', { risk: 'blocking', reason: /SET NOT NULL takes an ACCESS EXCLUSIVE lock on orders and reads every row/ }],
  ['ALTER TABLE orders ALTER COLUMN cust DROP NOT NULL', { risk: 'safe' }],
  ['REFRESH MATERIALIZED VIEW sales_mv', { risk: 'blocking', writes: true, reason: /ACCESS EXCLUSIVE lock on sales_mv: reads of it wait/ }],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY sales_mv', { risk: 'safe', writes: true }],
  ['ALTER TABLE measurements DETACH PARTITION measurements_2020', { risk: 'blocking', reason: /DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on measurements/, waitsForOlderTransactions: false }],
  ['ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY', { risk: 'safe', writes: true, waitsForOlderTransactions: true }],
  ['ALTER TABLE orders ADD COLUMN note2 text DEFAULT \'none\'', { risk: 'safe', writes: true }],
  ['ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT now()', { risk: 'safe' }],
  ['ALTER TABLE orders ADD COLUMN n int NOT NULL DEFAULT 0', { risk: 'safe' }],
  ['ALTER TABLE orders ADD COLUMN r float8 DEFAULT random()', { risk: 'blocking', reason: /DEFAULT random\(\): a volatile function.*rewrites orders under an ACCESS EXCLUSIVE lock/ }],
  ['ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp()', { risk: 'blocking', reason: /clock_timestamp/ }],
  ['ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()', { risk: 'blocking' }],
  ['ALTER TABLE orders ADD COLUMN token uuid DEFAULT public.uuid_generate_v4()', { risk: 'blocking' }],
  ['ALTER TABLE orders ADD COLUMN r int DEFAULT (random() * 10)::int', { risk: 'blocking' }],
  ['ALTER TABLE orders ADD COLUMN seq_id bigserial', { risk: 'blocking', reason: /type bigserial/ }],
  ['ALTER TABLE orders ADD COLUMN ident int GENERATED ALWAYS AS IDENTITY', { risk: 'blocking', reason: /IDENTITY/ }],
  ['ALTER TABLE orders ADD COLUMN twice int GENERATED ALWAYS AS (qty * 2) STORED', { risk: 'blocking', reason: /STORED/ }],
  ['ALTER TABLE orders ALTER COLUMN id SET DEFAULT nextval(\'orders_id_seq\')', { risk: 'safe', writes: true }],
  ['ALTER TABLE orders SET UNLOGGED', { risk: 'blocking', reason: /SET UNLOGGED rewrites orders/ }],
  ['ALTER TABLE orders RENAME TO orders_old', { risk: 'blocking', reason: /RENAME takes an ACCESS EXCLUSIVE lock on orders/ }],
  ['ALTER TABLE orders RENAME COLUMN qty TO quantity', { risk: 'blocking', reason: /old name fail/ }],
  ['ALTER TABLE orders RENAME CONSTRAINT a TO b', { risk: 'blocking' }],
  ['ALTER VIEW v_orders RENAME TO v_orders_old', { risk: 'blocking' }],
  // An index rename takes SHARE UPDATE EXCLUSIVE (PostgreSQL 12+): reads and writes go on.
  ['ALTER INDEX orders_ix RENAME TO orders_ix2', { risk: 'safe', writes: true }],

  // Server functions that act: writes (refused on read-only profiles, never re-run by Export), wherever they are called.
  ['SELECT pg_terminate_backend(123)', { risk: 'destructive', writes: true, reason: /pg_terminate_backend\(\) ends another session/ }],
  ['SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = \'idle\'', { risk: 'destructive', writes: true }],
  ['WITH k AS (SELECT pg_terminate_backend(pid) FROM pg_stat_activity) SELECT count(*) FROM k', { risk: 'destructive', writes: true }],
  ['SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity) s', { writes: true, asksOnProduction: true, reason: /pg_cancel_backend/ }],
  ['SELECT * FROM pg_drop_replication_slot(\'s\')', { risk: 'destructive', writes: true, reason: /drops a replication slot/ }],
  ["SELECT pg_drop_replication_slot('s')", { risk: 'destructive', writes: true }],
  ['SELECT pg_reload_conf()', { writes: true, asksOnProduction: true }],
  ["SELECT set_config('work_mem', '1GB', false)", { writes: true }],
  ['SELECT pg_advisory_lock(42)', { writes: true }],
  ['SELECT lo_unlink(16401)', { risk: 'destructive', writes: true }],
  ["SELECT dblink_exec('host=other', 'DROP TABLE t')", { writes: true, asksOnProduction: true, reason: /another server/ }],
  ["SELECT nextval('orders_id_seq')", { risk: 'safe', writes: true, asksOnProduction: false, reason: /nextval\(\) advances a sequence/ }],
  ["VALUES (nextval('s'))", { writes: true }],
  ["SELECT setval('s', 1)", { writes: true, asksOnProduction: true }],
  ["SELECT 1 WHERE EXISTS (SELECT pg_terminate_backend(1))", { risk: 'destructive', writes: true }],
  ["SELECT 'pg_terminate_backend(1)' AS not_a_call", { risk: 'safe', writes: false }],
  ['SELECT currval(\'s\'), pg_backend_pid(), now()', { risk: 'safe', writes: false }],
  ['EXPLAIN SELECT pg_terminate_backend(1)', { writes: false, risk: 'safe' }],
  ['EXPLAIN ANALYZE SELECT pg_terminate_backend(1)', { writes: true, risk: 'destructive' }],
  ['CREATE VIEW killers AS SELECT pg_terminate_backend(pid) FROM pg_stat_activity', { writes: true, risk: 'safe' }],
  ['VALUES (1), (2)', { writes: false, streamable: true }],
  ['TABLE orders', { writes: false, streamable: true }],
];

describe('SQL statement risk (PostgreSQL parser)', () => {
  before(loadSqlParser);

  for (const [sql, expect] of CASES) {
    it(sql, () => {
      const got = classifySql(sql);
      const { reason, ...fields } = expect;
      // An absent flag reads as false.
      for (const [k, v] of Object.entries(fields)) assert.equal(got[k as keyof SqlAnalysis] ?? (typeof v === 'boolean' ? false : undefined), v, `${k} of ${sql}: ${JSON.stringify(got)}`);
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
