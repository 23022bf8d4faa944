import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { PostgresConnection } from '../../src/core/postgres/connection';
import { classifySql, loadSqlParser } from '../../src/core/postgres/sqlRisk';
import { startPgQuery, type PgQueryOptions } from '../../src/core/postgres/pgQuery';
import { postgresStatements } from '../../src/core/postgres/statements';
import { exportStream } from '../../src/core/query/exportRows';
import { lockWaitFacts } from '../../src/core/query/errors';
import { readOnlyRefusal } from '../../src/core/query/runChecks';
import { pgProfile, services, uniqueName } from './services';
import { dropDatabase, pgClient, recreateDatabase } from '../support/pg';

/** Polls `check` until it holds, or fails with `what` after `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Statements from files on PostgreSQL (real server)', function () {
  this.timeout(60_000);
  let db: string;
  let admin: Client;
  let conn: PostgresConnection;
  const opts = (sql: string, extra: Partial<PgQueryOptions> = {}): PgQueryOptions => ({
    statementTimeoutMs: 0,
    readOnly: false,
    tag: uniqueName('Upkeep query'),
    analysis: classifySql(sql),
    ...extra,
  });

  before(async () => {
    await loadSqlParser();
    db = uniqueName('upkeep_q');
    admin = await recreateDatabase(services().postgres, db);
    await admin.query(`CREATE TABLE public.t (id int PRIMARY KEY, v text, n numeric, big bigint, doc jsonb) WITH (autovacuum_enabled = false);
      INSERT INTO public.t SELECT g, CASE WHEN g = 2 THEN NULL WHEN g = 3 THEN 'NULL' ELSE 'row ' || g END, g / 3.0, 9007199254740993 + g, jsonb_build_object('g', g)
        FROM generate_series(1, 2000) g;
      DELETE FROM public.t WHERE id > 1500;`);
    conn = new PostgresConnection(pgProfile({ database: db }), services().postgres.password);
  });

  after(async () => {
    await conn.dispose();
    await admin.end();
    await dropDatabase(services().postgres, db);
  });

  it('streams a SELECT a batch at a time with column types, NULL apart from the string NULL, exact bigints', async () => {
    const sql = 'SELECT id, v, n, big, doc FROM public.t ORDER BY id';
    const q = await startPgQuery(conn, db, sql, opts(sql, { batchSize: 100 }));
    assert.deepEqual(q.columns.map((c) => `${c.name}:${c.type}`), ['id:integer', 'v:text', 'n:numeric', 'big:bigint', 'doc:jsonb']);
    const first = await q.next(100);
    assert.equal(first.length, 100);
    assert.equal(first[1]?.[1], null);
    assert.equal(first[2]?.[1], 'NULL');
    assert.equal(first[0]?.[3], '9007199254740994', 'bigint beyond 2^53 kept exact');
    const doc = first[0]?.[4];
    assert.ok(doc && typeof doc === 'object' && doc.kind === 'json' && (JSON.parse(doc.json) as { g: number }).g === 1);
    assert.equal(q.done, false, 'the cursor stays open for "fetch more"');
    let total = first.length;
    for (;;) {
      const more = await q.next(400);
      total += more.length;
      if (!more.length || q.done) break;
    }
    assert.equal(total, 1500);
    assert.equal(q.done, true);
    assert.equal(q.summary().command, 'SELECT');
    await q.close();
  });

  it('runs VACUUM (VERBOSE) from a file in autocommit and returns its INFO output as notices', async () => {
    const sql = 'VACUUM (VERBOSE, ANALYZE) public.t';
    const q = await startPgQuery(conn, db, sql, opts(sql));
    assert.equal(q.done, true);
    const s = q.summary();
    assert.equal(s.command, 'VACUUM');
    assert.ok(s.notices.some((n) => /^INFO: +vacuuming "[^"]*t"/m.test(n) || /vacuuming/.test(n)), s.notices.join('\n'));
    const [row] = (await admin.query<{ n: string }>("SELECT n_dead_tup::text AS n FROM pg_stat_user_tables WHERE relname = 't'")).rows;
    assert.ok(row);
  });

  it('runs CREATE INDEX CONCURRENTLY (which refuses to run inside a transaction block)', async () => {
    const sql = 'CREATE INDEX CONCURRENTLY t_v_ix ON public.t (v)';
    const q = await startPgQuery(conn, db, sql, opts(sql));
    assert.equal(q.summary().command, 'CREATE');
    const { rows } = await admin.query<{ indisvalid: boolean }>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v_ix'::regclass");
    assert.equal(rows[0]?.indisvalid, true);
  });

  it('reports rows affected by a write, and RETURNING rows stream', async () => {
    const upd = 'UPDATE public.t SET v = v WHERE id <= 10';
    assert.equal((await startPgQuery(conn, db, upd, opts(upd))).summary().affected, 10);
    const ret = 'UPDATE public.t SET v = v WHERE id <= 3 RETURNING id';
    const q = await startPgQuery(conn, db, ret, opts(ret));
    assert.deepEqual(await q.next(10), [['1'], ['2'], ['3']]);
    assert.equal(q.summary().affected, 3);
  });

  it('a readOnly profile is read-only on the server too (default_transaction_read_only)', async () => {
    const sql = 'DELETE FROM public.t WHERE id = 1';
    await assert.rejects(startPgQuery(conn, db, sql, opts(sql, { readOnly: true })), /read-only transaction/);
    assert.equal((await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM public.t WHERE id = 1')).rows[0]?.n, 1, 'the row is still there');
    const sel = 'SHOW default_transaction_read_only';
    const q = await startPgQuery(conn, db, sel, opts(sel, { readOnly: true }));
    assert.deepEqual(await q.next(1), [['on']]);
  });

  it('applies the statement timeout on the server', async () => {
    const sql = 'SELECT pg_sleep(10)';
    const started = Date.now();
    await assert.rejects(startPgQuery(conn, db, sql, opts(sql, { statementTimeoutMs: 300 })), /statement timeout/);
    assert.ok(Date.now() - started < 5_000);
  });

  it('cancel stops SELECT pg_sleep(60) on the server within 2 s', async () => {
    const sql = 'SELECT pg_sleep(60)';
    const abort = new AbortController();
    const o = opts(sql, { signal: abort.signal });
    const running = startPgQuery(conn, db, sql, o).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    // Wait until the server shows the statement running under our tag.
    let pid = 0;
    for (let i = 0; i < 50 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", [o.tag]);
      pid = rows[0]?.pid ?? 0;
    }
    assert.ok(pid, 'the statement was seen running');
    const started = Date.now();
    abort.abort();
    assert.match(await running, /canceling statement due to user request/);
    // Gone from the server: the backend no longer runs it.
    for (;;) {
      const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep(60)%'", [pid]);
      if (!rows.length) break;
      assert.ok(Date.now() - started < 2_000, 'still running 2 s after cancel');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = Date.now() - started;
    assert.ok(ms < 2_000, `stopped in ${ms} ms`);
    console.log(`      (pg_sleep(60) stopped on the server ${ms} ms after Cancel)`);
  });

  it('cancel() of a running stream ends it on the server within 2 s (the path the Cancel button takes)', async () => {
    const sql = 'SELECT g, pg_sleep(CASE WHEN g = 3 THEN 60 ELSE 0 END) FROM generate_series(1, 5) g';
    const o = opts(sql, { batchSize: 2 });
    const q = await startPgQuery(conn, db, sql, o);
    assert.equal((await q.next(2)).length, 2);
    const reading = q.next(2).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await q.cancel();
    assert.match(await reading, /cancel|terminat|Connection/i);
    for (;;) {
      const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [q.pid]);
      if (!rows.length) break;
      assert.ok(Date.now() - started < 2_000, 'still running 2 s after cancel');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('EXPLAIN ANALYZE of a write runs inside a rolled-back transaction', async () => {
    const sql = 'DELETE FROM public.t WHERE id <= 100';
    const q = await startPgQuery(conn, db, sql, opts(sql, { mode: 'explain-analyze' }));
    const plan = (await q.next(100)).map((r) => (typeof r[0] === 'string' ? r[0] : '')).join('\n');
    assert.match(plan, /Delete on t/);
    assert.match(plan, /actual time/);
    assert.ok(q.summary().notices.some((n) => /rolled back/.test(n)));
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM public.t WHERE id <= 100');
    assert.equal(rows[0]?.n, 100, 'nothing was deleted');
  });

  it('a statement waiting for a lock gives up after its lock timeout and names the session holding it; nothing it did was kept', async () => {
    const holder = await pgClient(services().postgres, db);
    const app = uniqueName('lock holder "<b>"');
    await holder.query('SELECT set_config($1, $2, false)', ['application_name', app]);
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    // A transaction that read the table keeps ACCESS SHARE on it, which ALTER TABLE's ACCESS EXCLUSIVE must wait for.
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM public.t');
    try {
      const sql = 'ALTER TABLE public.t ADD COLUMN locked_out int';
      const err = await startPgQuery(conn, db, sql, opts(sql, { lockTimeoutMs: 2_000 })).then(
        () => undefined,
        (e: unknown) => e,
      );
      const facts = lockWaitFacts(err);
      assert.ok(facts, `gave up on the lock: ${String(err)}`);
      assert.equal(facts.waitedMs, 2_000);
      assert.match(facts.serverMessage, /canceling statement due to lock timeout/);
      assert.ok(facts.holders.some((h) => h.startsWith(`pid ${holderPid} (`) && h.includes(app) && h.includes('idle in transaction')), facts.holders.join('\n'));
      const { rows } = await admin.query("SELECT 1 FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attname = 'locked_out'");
      assert.equal(rows.length, 0, 'the column was not added');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('CREATE INDEX CONCURRENTLY waits for an older writing transaction beyond the lock timeout (it waits by design) and builds a valid index', async () => {
    const writer = await pgClient(services().postgres, db);
    await writer.query('BEGIN');
    await writer.query('LOCK TABLE public.t IN ROW EXCLUSIVE MODE');
    const sql = 'CREATE INDEX CONCURRENTLY t_n_ix ON public.t (n)';
    const o = opts(sql, { lockTimeoutMs: 200 });
    const running = startPgQuery(conn, db, sql, o).then(
      (q) => q.summary().command,
      (err: Error) => `failed: ${err.message}`,
    );
    try {
      await until('the build waiting for the writer', async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [o.tag])).rows.length > 0);
      // Several lock timeouts long: a build under lock_timeout would have failed by now, leaving an invalid index.
      await new Promise((r) => setTimeout(r, 800));
    } finally {
      await writer.query('ROLLBACK');
      await writer.end();
    }
    assert.equal(await running, 'CREATE');
    const { rows } = await admin.query<{ indisvalid: boolean }>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_n_ix'::regclass");
    assert.equal(rows[0]?.indisvalid, true);
  });

  it('an open cursor holds a snapshot (backend_xmin) and says so; close() releases it on the server', async () => {
    const sql = 'SELECT id FROM public.t ORDER BY id';
    const o = opts(sql, { batchSize: 10 });
    const before = Date.now();
    const q = await startPgQuery(conn, db, sql, o);
    assert.equal((await q.next(10)).length, 10);
    const held = q.held?.();
    assert.ok(held, 'held() says what the open cursor keeps');
    assert.match(held.what, /snapshot/);
    assert.match(held.effect, /VACUUM cannot remove rows/);
    assert.ok(held.since >= before && held.since <= Date.now());
    const { rows } = await admin.query<{ xmin: string | null }>('SELECT backend_xmin::text AS xmin FROM pg_stat_activity WHERE application_name = $1', [o.tag]);
    assert.ok(rows[0]?.xmin, 'the session holds back the xmin horizon while the cursor is open');
    await q.close();
    assert.equal(q.held?.(), undefined);
    await until('the session gone', async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [o.tag])).rows.length === 0);
  });

  it('a read-only profile refuses SELECT pg_terminate_backend(pid) before sending it (the server\'s read-only mode alone would not stop it)', async () => {
    const victim = await pgClient(services().postgres, db);
    const bystander = await pgClient(services().postgres, db);
    try {
      const pidOf = async (c: Client): Promise<number> => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      const [victimPid, bystanderPid] = [await pidOf(victim), await pidOf(bystander)];
      const sql = `SELECT pg_terminate_backend(${victimPid})`;
      const judgement = await postgresStatements.judge(sql, 'run');
      assert.equal(judgement.writes, true);
      assert.match(readOnlyRefusal({ name: 'Replica "RO"', readOnly: true }, judgement, 'run') ?? '', /^Replica "RO" is read-only: this statement writes, so it was not sent\. pg_terminate_backend\(\) ends another session/);
      assert.equal(readOnlyRefusal({ name: 'RW', readOnly: false }, judgement, 'run'), undefined);
      assert.deepEqual((await victim.query('SELECT 1 AS alive')).rows, [{ alive: 1 }]);
      // What the refusal protects against: sent anyway on a read-only session, it ends the other session.
      const other = `SELECT pg_terminate_backend(${bystanderPid})`;
      const q = await startPgQuery(conn, db, other, opts(other, { readOnly: true }));
      assert.deepEqual(await q.next(1), [['t']]);
      await q.close();
      await until('the bystander terminated', async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [bystanderPid])).rows.length === 0);
    } finally {
      await victim.end();
      await bystander.end().catch(() => undefined);
    }
  });

  it("a read-only session (Export's re-run) cannot advance a sequence through a function the classifier does not know", async () => {
    await admin.query(`CREATE SEQUENCE public.q_s; CREATE FUNCTION public.q_bump() RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''public.q_s'')'`);
    const sql = 'SELECT public.q_bump()';
    assert.equal((await postgresStatements.judge(sql, 'run')).writes, false, 'an unknown function looks like a read');
    await assert.rejects(startPgQuery(conn, db, sql, opts(sql, { readOnly: true })), /cannot execute nextval\(\) in a read-only transaction/);
    const { rows } = await admin.query<{ called: boolean }>('SELECT is_called AS called FROM public.q_s');
    assert.equal(rows[0]?.called, false, 'the sequence never moved');
  });

  it('syntax errors come back with the server message', async () => {
    const sql = 'SELEC 1';
    await assert.rejects(startPgQuery(conn, db, sql, opts(sql)), /syntax error at or near "SELEC"/);
  });

  it('exports all rows of a 200,000-row query to CSV and JSON, streamed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-export-'));
    const sql = "SELECT g AS id, CASE WHEN g % 2 = 0 THEN NULL ELSE 'a,\"b\"' END AS s, (g % 3 = 0) AS flag FROM generate_series(1, 200000) g";
    const csv = path.join(dir, 'out.csv');
    const r1 = await exportStream(await startPgQuery(conn, db, sql, opts(sql)), 'csv', csv);
    assert.equal(r1.rows, 200_000);
    const lines = fs.readFileSync(csv, 'utf8').split('\r\n');
    assert.deepEqual(lines.slice(0, 3), ['id,s,flag', '1,"a,""b""",f', '2,,f']);
    const json = path.join(dir, 'out.json');
    const r2 = await exportStream(await startPgQuery(conn, db, sql, opts(sql)), 'json', json);
    assert.equal(r2.rows, 200_000);
    const parsed = JSON.parse(fs.readFileSync(json, 'utf8')) as unknown[];
    assert.equal(parsed.length, 200_000);
    assert.deepEqual(parsed.slice(0, 3), [
      { id: 1, s: 'a,"b"', flag: false },
      { id: 2, s: null, flag: false },
      { id: 3, s: 'a,"b"', flag: true },
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
