import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { PostgresConnection } from '../../src/core/postgres/connection';
import { featuresFor } from '../../src/core/postgres/features';
import {
  buildAnalyze, buildCancelBackend, buildCheckpoint, buildCluster, buildCreateIndexConcurrently, buildDropIndexConcurrently, buildReindex, buildTerminateBackend,
  buildVacuum, vacuumOptionsSupported,
} from '../../src/core/postgres/maintenance';
import { ReadOnlyConnectionError, runMaintenance, runMaintenanceBatch } from '../../src/core/postgres/runner';
import { getTable, listAllTables } from '../../src/core/postgres/catalog';
import { assessTable } from '../../src/core/postgres/health';
import { canCheckpoint, listIndexes } from '../../src/core/postgres/objects';
import { flagIndexes } from '../../src/core/postgres/health';
import type { OpProgress } from '../../src/core/postgres/progress';
import { pgProfile, services, uniqueName } from './services';
import { dropDatabase, recreateDatabase } from '../support/pg';

describe('PostgreSQL maintenance (real server)', function () {
  this.timeout(120_000);
  let db: string;
  let admin: Client;
  let conn: PostgresConnection;
  const f = (): ReturnType<typeof featuresFor> => featuresFor(services().postgres.versionNum ?? 150000);

  async function deadTuples(schema: string, table: string): Promise<number> {
    // Statistics reach the shared counters asynchronously: wait until they show.
    const t = await getTable(conn, db, schema, table);
    return t?.deadTuples ?? -1;
  }

  async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  before(async () => {
    db = uniqueName('upkeep_mx');
    const s = services().postgres;
    admin = await recreateDatabase(s, db);
    await admin.query('CREATE SCHEMA "Sales Ω"');
    conn = new PostgresConnection(pgProfile(), s.password);
  });

  after(async () => {
    await conn.dispose();
    await admin.end();
    await dropDatabase(services().postgres, db);
  });

  it('VACUUM lowers n_dead_tup on a bloated table, and the tree warning clears', async () => {
    await admin.query(`CREATE TABLE public.bloated (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
      INSERT INTO public.bloated SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
      ANALYZE public.bloated;
      DELETE FROM public.bloated WHERE id % 2 = 0;`);
    // PostgreSQL 15 flushes a backend's counters when it goes idle, up to 10 s later; ask for it now.
    if ((services().postgres.versionNum ?? 0) >= 150000) await admin.query('SELECT pg_stat_force_next_flush()');
    await admin.query('SELECT 1');
    await eventually('dead tuples counted', async () => (await deadTuples('public', 'bloated')) >= 10_000);
    const before = await getTable(conn, db, 'public', 'bloated');
    assert.ok(before);
    assert.ok(assessTable(before).warnings.some((w) => w.includes('dead tuples')), 'warned before');

    const outcome = await runMaintenance(conn, buildVacuum({ kind: 'table', database: db, schema: 'public', name: 'bloated' }, { analyze: true }, f()));
    assert.equal(outcome.status, 'done', JSON.stringify(outcome.problem));
    assert.ok((outcome.before?.deadTuples ?? 0) >= 10_000);
    await eventually('dead tuples gone', async () => (await deadTuples('public', 'bloated')) === 0);
    const after = await getTable(conn, db, 'public', 'bloated');
    assert.ok(after);
    assert.deepEqual(assessTable(after).warnings, [], 'no warning after VACUUM');
  });

  it('VACUUM FULL shrinks pg_total_relation_size', async () => {
    await admin.query(`CREATE TABLE public.shrink (id int, v text) WITH (autovacuum_enabled = false);
      INSERT INTO public.shrink SELECT g, repeat('y', 200) FROM generate_series(1, 20000) g;
      DELETE FROM public.shrink WHERE id % 4 <> 0;`);
    const op = buildVacuum({ kind: 'table', database: db, schema: 'public', name: 'shrink' }, { full: true }, f());
    assert.equal(op.risk, 'blocking');
    assert.equal(op.lock.level, 'ACCESS EXCLUSIVE');
    const outcome = await runMaintenance(conn, op);
    assert.equal(outcome.status, 'done');
    assert.ok((outcome.after?.sizeBytes ?? Infinity) < (outcome.before?.sizeBytes ?? 0) / 2, `${outcome.before?.sizeBytes} → ${outcome.after?.sizeBytes}`);
  });

  it('REINDEX CONCURRENTLY works on an index named "ix ""odd"" ; name" in schema "Sales Ω", and touches only it', async () => {
    await admin.query(`CREATE TABLE "Sales Ω"."Order Lines" (id int, sku text);
      INSERT INTO "Sales Ω"."Order Lines" SELECT g, 'sku' || g FROM generate_series(1, 5000) g;
      CREATE INDEX "ix ""odd"" ; name" ON "Sales Ω"."Order Lines" (sku);
      CREATE INDEX other_ix ON "Sales Ω"."Order Lines" (id);`);
    const oids = async (): Promise<Record<string, number>> => {
      const r = await admin.query<{ relname: string; relfilenode: number }>(`SELECT relname, relfilenode FROM pg_class WHERE relnamespace = '"Sales Ω"'::regnamespace AND relkind = 'i'`);
      return Object.fromEntries(r.rows.map((x) => [x.relname, x.relfilenode]));
    };
    const before = await oids();
    const op = buildReindex({ kind: 'index', database: db, schema: 'Sales Ω', name: 'ix "odd" ; name', table: 'Order Lines' }, { concurrently: true }, f());
    assert.equal(op.sql, 'REINDEX INDEX CONCURRENTLY "Sales Ω"."ix ""odd"" ; name"');
    const outcome = await runMaintenance(conn, op);
    assert.equal(outcome.status, 'done', JSON.stringify(outcome.problem));
    const after = await oids();
    assert.notEqual(after['ix "odd" ; name'], before['ix "odd" ; name'], 'the odd index was rebuilt');
    assert.equal(after['other_ix'], before['other_ix'], 'the other index was not touched');
  });

  it('flags an invalid index from a failed CREATE INDEX CONCURRENTLY, and drops it', async () => {
    await admin.query(`CREATE TABLE public.dupes (id int, code text); INSERT INTO public.dupes SELECT g % 10, 'c' FROM generate_series(1, 100) g;`);
    const create = await runMaintenance(conn, buildCreateIndexConcurrently(db, { schema: 'public', table: 'dupes', name: 'dupes_id_uq', columns: ['id'], unique: true }));
    assert.equal(create.status, 'failed');
    assert.match(create.problem?.message ?? '', /duplicate|could not create unique index/i);
    const indexes = await listIndexes(conn, db, 'public', 'dupes');
    const flags = flagIndexes(indexes);
    assert.equal(flags.get('dupes_id_uq')?.invalid, true, 'flagged invalid');
    const drop = await runMaintenance(conn, buildDropIndexConcurrently({ kind: 'index', database: db, schema: 'public', name: 'dupes_id_uq', table: 'dupes' }));
    assert.equal(drop.status, 'done');
    assert.deepEqual((await listIndexes(conn, db, 'public', 'dupes')).map((i) => i.name), []);
  });

  it('flags unused and duplicate indexes but never a primary key or unique one', async () => {
    await admin.query(`CREATE TABLE public.ix_t (id int PRIMARY KEY, a int, b int, c text UNIQUE);
      CREATE INDEX ix_a ON public.ix_t (a); CREATE INDEX ix_a_b ON public.ix_t (a, b); CREATE INDEX ix_c_again ON public.ix_t (c);`);
    const flags = flagIndexes(await listIndexes(conn, db, 'public', 'ix_t'));
    assert.equal(flags.get('ix_a')?.duplicateOf, 'ix_a_b');
    assert.equal(flags.get('ix_c_again')?.duplicateOf, 'ix_t_c_key');
    assert.equal(flags.get('ix_a')?.unused, true);
    for (const enforced of ['ix_t_pkey', 'ix_t_c_key']) {
      assert.equal(flags.get(enforced)?.unused, false, `${enforced} never unused`);
      assert.equal(flags.get(enforced)?.duplicateOf, undefined, `${enforced} never redundant`);
    }
  });

  it('ANALYZE, CLUSTER … USING and CHECKPOINT run and report', async () => {
    await admin.query(`CREATE TABLE public.clus (id int PRIMARY KEY, v int); INSERT INTO public.clus SELECT g, g FROM generate_series(1, 3000) g;`);
    const analyze = await runMaintenance(conn, buildAnalyze({ kind: 'table', database: db, schema: 'public', name: 'clus' }));
    assert.equal(analyze.status, 'done');
    assert.ok((await getTable(conn, db, 'public', 'clus'))?.lastAnalyze, 'last_analyze set');
    const cluster = await runMaintenance(conn, buildCluster({ kind: 'table', database: db, schema: 'public', name: 'clus' }, 'clus_pkey', { verbose: true }));
    assert.equal(cluster.status, 'done');
    assert.ok(cluster.notices.some((n) => /clustering|clus/i.test(n)), cluster.notices.join('\n'));
    assert.ok(await canCheckpoint(conn, db, f().checkpointRole), 'the test role is a superuser');
    assert.equal((await runMaintenance(conn, buildCheckpoint(db))).status, 'done');
  });

  it('cancels a long CREATE INDEX CONCURRENTLY on the server; the backend stops within 2 s', async () => {
    await admin.query(`CREATE TABLE public.big (id int, v text) WITH (autovacuum_enabled = false);
      INSERT INTO public.big SELECT g, md5(g::text) FROM generate_series(1, 3000000) g;`);
    const controller = new AbortController();
    const seen: OpProgress[] = [];
    const op = buildCreateIndexConcurrently(db, { schema: 'public', table: 'big', name: 'big_v_ix', columns: ['v', 'id'] });
    const running = runMaintenance(conn, op, {
      signal: controller.signal,
      pollMs: 100,
      onProgress: (p) => {
        seen.push(p);
        if (seen.length === 2) controller.abort();
      },
    });
    const outcome = await running;
    assert.equal(outcome.status, 'cancelled', JSON.stringify(outcome.problem));
    assert.ok(seen.length >= 2, 'progress was reported');
    assert.ok(seen.some((p) => p.phase.length > 0));
    assert.ok(outcome.stoppedAfterMs !== undefined && outcome.stoppedAfterMs < 2_000, `stopped after ${outcome.stoppedAfterMs} ms`);
    const active = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND state = $2', [outcome.backendPid, 'active']);
    assert.equal(active.rows[0]?.n, 0, 'the backend is no longer running it');
    // A cancelled CREATE INDEX CONCURRENTLY leaves an invalid index behind: that is what the tree flags.
    await runMaintenance(conn, buildDropIndexConcurrently({ kind: 'index', database: db, schema: 'public', name: 'big_v_ix', table: 'big' }));
  });

  it('a lock held by another session makes the operation fail with a clear lock-timeout message', async () => {
    await admin.query('CREATE TABLE public.locked (id int)');
    const locker = new Client({ ...services().postgres, database: db });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE public.locked IN ACCESS EXCLUSIVE MODE');
      const outcome = await runMaintenance(conn, buildVacuum({ kind: 'table', database: db, schema: 'public', name: 'locked' }, {}, f()), { lockTimeoutMs: 300 });
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.problem?.kind, 'lock-timeout');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('a schema runs table by table and a cancel between tables reports what was not run', async () => {
    await admin.query(`CREATE SCHEMA batch; ${Array.from({ length: 6 }, (_, i) => `CREATE TABLE batch.t${i} (id int); INSERT INTO batch.t${i} VALUES (1);`).join(' ')}`);
    const tables = await listAllTables(conn, db, 'batch');
    const ops = tables.map((t) => buildVacuum({ kind: 'table', database: db, schema: 'batch', name: t.name }, { analyze: true }, f()));
    const controller = new AbortController();
    const steps: string[] = [];
    const result = await runMaintenanceBatch(conn, ops, {
      signal: controller.signal,
      onStep: (i, n, op) => {
        steps.push(`${i + 1} of ${n}: ${op.title}`);
        if (i === 2) controller.abort();
      },
    });
    assert.equal(steps[0], '1 of 6: VACUUM (ANALYZE) batch.t0');
    assert.equal(result.outcomes.length, 3);
    assert.deepEqual(result.outcomes.map((o) => o.status), ['done', 'done', 'cancelled']);
    assert.equal(result.notRun.length, 3);
  });

  it('a backend killed mid-operation gives a clear message, and the connection keeps working', async () => {
    await admin.query(`CREATE TABLE public.victim (id int, v text) WITH (autovacuum_enabled = false);
      INSERT INTO public.victim SELECT g, md5(g::text) FROM generate_series(1, 2000000) g;`);
    const op = buildCreateIndexConcurrently(db, { schema: 'public', table: 'victim', name: 'victim_v_ix', columns: ['v'] });
    let killed = false;
    const outcome = await runMaintenance(conn, op, {
      pollMs: 100,
      onProgress: () => {
        if (killed) return;
        killed = true;
        void admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'Upkeep maintenance' AND datname = $1`, [db]);
      },
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.problem?.kind, 'connection-lost', outcome.problem?.message);
    assert.match(outcome.problem?.message ?? '', /was lost/);
    await runMaintenance(conn, buildDropIndexConcurrently({ kind: 'index', database: db, schema: 'public', name: 'victim_v_ix', table: 'victim' }));
    const next = await runMaintenance(conn, buildAnalyze({ kind: 'table', database: db, schema: 'public', name: 'victim' }));
    assert.equal(next.status, 'done', 'the next operation runs');
  });

  it('missing privileges give a permission message', async () => {
    const role = uniqueName('weak');
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'weak-pw'; GRANT CONNECT ON DATABASE ${admin.escapeIdentifier(db)} TO ${role}; GRANT USAGE ON SCHEMA public TO ${role};`);
    const weak = new PostgresConnection(pgProfile({ user: role }), 'weak-pw');
    try {
      const outcome = await runMaintenance(weak, buildReindex({ kind: 'table', database: db, schema: 'public', name: 'clus' }, {}, f()));
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.problem?.kind, 'permission', outcome.problem?.message);
      assert.match(outcome.problem?.message ?? '', /must be owner/);
      assert.equal(await canCheckpoint(weak, db, f().checkpointRole), false, 'CHECKPOINT is not offered to it');
    } finally {
      await weak.dispose();
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('cancels and terminates another session\'s backend', async () => {
    const victim = new Client({ ...services().postgres, database: db });
    victim.on('error', () => undefined);
    await victim.connect();
    try {
      const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      const sleeping = victim.query('SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 200));
      const cancel = await runMaintenance(conn, buildCancelBackend(db, pid));
      assert.equal(cancel.status, 'done');
      assert.deepEqual(cancel.rows, [{ signalled: true }]);
      await assert.rejects(sleeping, (err: { code?: string }) => err.code === '57014');
      const terminate = await runMaintenance(conn, buildTerminateBackend(db, pid));
      assert.deepEqual(terminate.rows, [{ signalled: true }]);
      await assert.rejects(victim.query('SELECT 1'));
    } finally {
      await victim.end().catch(() => undefined);
    }
  });

  it('a read-only profile refuses before anything is sent', async () => {
    const ro = new PostgresConnection(pgProfile({ readOnly: true, name: 'RO' }), services().postgres.password);
    try {
      const before = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'Upkeep%'`);
      await assert.rejects(runMaintenance(ro, buildVacuum({ kind: 'table', database: db, schema: 'public', name: 'bloated' }, {}, f())), ReadOnlyConnectionError);
      const after = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'Upkeep%'`);
      assert.ok((after.rows[0]?.n ?? 0) <= (before.rows[0]?.n ?? 0), 'no new session was opened');
    } finally {
      await ro.dispose();
    }
  });

  it('offers exactly the VACUUM options this server supports', () => {
    const real = vacuumOptionsSupported(f());
    assert.deepEqual(real.sort(), ['analyze', 'disablePageSkipping', 'freeze', 'full', 'indexCleanup', 'parallel', 'skipLocked', 'truncate', 'verbose']);
  });
});
