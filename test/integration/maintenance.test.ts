import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { PostgresConnection } from '../../src/core/postgres/connection';
import { featuresFor } from '../../src/core/postgres/features';
import {
  buildAnalyze, buildCancelBackend, buildCheckpoint, buildCluster, buildCreateIndexConcurrently, buildReindex, buildTerminateBackend,
  buildVacuum, type MaintenanceOp, vacuumOptionsSupported,
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

  it('a failed CREATE UNIQUE INDEX CONCURRENTLY names the invalid index it left and offers its DROP INDEX CONCURRENTLY, which removes it', async () => {
    await admin.query(`CREATE TABLE public.dupes (id int, code text); INSERT INTO public.dupes SELECT g % 10, 'c' FROM generate_series(1, 100) g;`);
    const create = await runMaintenance(conn, buildCreateIndexConcurrently(db, { schema: 'public', table: 'dupes', name: 'dupes_id_uq', columns: ['id'], unique: true }));
    assert.equal(create.status, 'failed');
    assert.match(create.problem?.message ?? '', /duplicate|could not create unique index/i);
    const indexes = await listIndexes(conn, db, 'public', 'dupes');
    assert.equal(flagIndexes(indexes).get('dupes_id_uq')?.invalid, true, 'flagged invalid in the tree');
    assert.deepEqual(create.leftovers, [{ schema: 'public', name: 'dupes_id_uq', table: 'dupes' }]);
    assert.match(create.leftBehind ?? '', /left the invalid index public\.dupes_id_uq behind/);
    assert.deepEqual(create.followUps?.map((f) => [f.label, f.op.text]), [['Drop public.dupes_id_uq', 'DROP INDEX CONCURRENTLY IF EXISTS "public"."dupes_id_uq"']]);
    const drop = await runMaintenance(conn, create.followUps?.[0]?.op as MaintenanceOp);
    assert.equal(drop.status, 'done');
    assert.deepEqual((await listIndexes(conn, db, 'public', 'dupes')).map((i) => i.name), []);
  });

  it('an invalid index that was there before is not blamed on the next CREATE INDEX CONCURRENTLY', async () => {
    await admin.query(`CREATE TABLE public.stale (id int); INSERT INTO public.stale SELECT 1 FROM generate_series(1, 10);`);
    // An earlier attempt's leftover, under the name the new build wants.
    await admin.query('CREATE UNIQUE INDEX CONCURRENTLY stale_uq ON public.stale (id)').catch(() => undefined);
    assert.equal(flagIndexes(await listIndexes(conn, db, 'public', 'stale')).get('stale_uq')?.invalid, true);
    const again = await runMaintenance(conn, buildCreateIndexConcurrently(db, { schema: 'public', table: 'stale', name: 'stale_uq', columns: ['id'] }));
    assert.equal(again.status, 'failed');
    assert.match(again.problem?.message ?? '', /already exists/);
    assert.equal(again.leftovers, undefined, 'it left nothing: the invalid index was there before');
    assert.equal(again.followUps, undefined);
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
    // A cancelled CREATE INDEX CONCURRENTLY leaves an invalid index behind: the outcome names it and offers its drop.
    assert.deepEqual(outcome.leftovers, [{ schema: 'public', name: 'big_v_ix', table: 'big' }]);
    assert.match(outcome.leftBehind ?? '', /invalid index public\.big_v_ix behind: queries never use it, but every write to public\.big still updates it/);
    const drop = outcome.followUps?.[0];
    assert.equal(drop?.label, 'Drop public.big_v_ix');
    assert.equal((await runMaintenance(conn, drop.op as MaintenanceOp)).status, 'done');
    assert.deepEqual((await listIndexes(conn, db, 'public', 'big')).map((i) => i.name), [], 'the drop removed it');
  });

  it('a cancelled REINDEX INDEX CONCURRENTLY names the _ccnew index it left; the original stays valid; the offered drop removes it', async () => {
    await admin.query('CREATE INDEX big_rx ON public.big (v)');
    const controller = new AbortController();
    const op = buildReindex({ kind: 'index', database: db, schema: 'public', name: 'big_rx', table: 'big' }, { concurrently: true }, f());
    const outcome = await runMaintenance(conn, op, {
      signal: controller.signal,
      pollMs: 100,
      // Once it builds, the new copy is in the catalog.
      onProgress: (p) => {
        if (p.phase.startsWith('building index')) controller.abort();
      },
    });
    assert.equal(outcome.status, 'cancelled', JSON.stringify(outcome.problem));
    assert.deepEqual(outcome.leftovers?.map((l) => l.name), ['big_rx_ccnew']);
    assert.match(outcome.leftBehind ?? '', /big_rx_ccnew behind.*The original index is still the one in use/);
    const flags = flagIndexes(await listIndexes(conn, db, 'public', 'big'));
    assert.equal(flags.get('big_rx')?.invalid, false, 'the original is still valid');
    assert.equal(flags.get('big_rx_ccnew')?.invalid, true);
    const drop = outcome.followUps?.[0];
    assert.equal(drop?.label, 'Drop public.big_rx_ccnew');
    assert.equal((await runMaintenance(conn, drop.op as MaintenanceOp)).status, 'done');
    assert.deepEqual((await listIndexes(conn, db, 'public', 'big')).map((i) => i.name), ['big_rx']);
  });

  it('CREATE INDEX CONCURRENTLY waits for an older transaction past the maintenance lock_timeout, and completes when it commits', async () => {
    await admin.query('CREATE TABLE public.waits (id int); INSERT INTO public.waits SELECT generate_series(1, 1000);');
    const holder = new Client({ ...services().postgres, database: db });
    await holder.connect();
    try {
      // An open transaction with a snapshot: the build waits for it to end ("waiting for old snapshots").
      await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await holder.query('SELECT count(*) FROM public.waits');
      const op = buildCreateIndexConcurrently(db, { schema: 'public', table: 'waits', name: 'waits_id_ix', columns: ['id'] });
      let settled = false;
      const running = runMaintenance(conn, op, { lockTimeoutMs: 300 }).finally(() => (settled = true));
      const waitingPid = async (): Promise<number | undefined> => {
        const r = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'Upkeep maintenance' AND wait_event = 'virtualxid'`, [db]);
        return r.rows[0]?.pid;
      };
      await eventually('the build waits for the older transaction', async () => (await waitingPid()) !== undefined);
      // Three maintenance lock_timeouts later it still waits: it runs under its own wait.
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(settled, false, 'it did not give up');
      assert.ok((await waitingPid()) !== undefined, 'still waiting on the server');
      await holder.query('COMMIT');
      const outcome = await running;
      assert.equal(outcome.status, 'done', JSON.stringify(outcome.problem));
      assert.equal(flagIndexes(await listIndexes(conn, db, 'public', 'waits')).get('waits_id_ix')?.invalid, false, 'a valid index');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('with a CONCURRENTLY wait limit set, giving up says which setting, and names the invalid index it leaves', async () => {
    await admin.query('CREATE TABLE public.waits2 (id int); INSERT INTO public.waits2 SELECT generate_series(1, 1000);');
    const holder = new Client({ ...services().postgres, database: db });
    await holder.connect();
    try {
      await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await holder.query('SELECT count(*) FROM public.waits2');
      const op = buildCreateIndexConcurrently(db, { schema: 'public', table: 'waits2', name: 'waits2_id_ix', columns: ['id'] });
      const outcome = await runMaintenance(conn, op, { lockTimeoutMs: 60_000, concurrentLockTimeoutMs: 300 });
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.problem?.kind, 'lock-timeout');
      assert.match(outcome.problem?.message ?? '', /upkeep\.maintenance\.concurrentLockTimeoutMs/);
      // It gave up after the build: the half-made index stays, named.
      assert.deepEqual(outcome.leftovers?.map((l) => l.name), ['waits2_id_ix']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('plain REINDEX holds what its preview says: ACCESS EXCLUSIVE on the index and SHARE on the table, and a plain read of the table waits', async () => {
    await admin.query('CREATE TABLE public.rx (id int PRIMARY KEY, v text); INSERT INTO public.rx SELECT g, g::text FROM generate_series(1, 100) g; CREATE INDEX rx_v ON public.rx (v);');
    const op = buildReindex({ kind: 'index', database: db, schema: 'public', name: 'rx_v', table: 'rx' }, {}, f());
    assert.equal(op.lockLevel, 'ACCESS EXCLUSIVE');
    const holder = new Client({ ...services().postgres, database: db });
    const reader = new Client({ ...services().postgres, database: db });
    await holder.connect();
    await reader.connect();
    try {
      // Plain REINDEX may run in a transaction: hold its locks there and look at them.
      await holder.query('BEGIN');
      await holder.query(op.sql);
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const locks = await admin.query<{ relname: string; mode: string }>(
        `SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = $1 AND c.relname IN ('rx', 'rx_v') ORDER BY 1, 2`, [pid]);
      assert.deepEqual(locks.rows.map((r) => `${r.relname} ${r.mode}`), ['rx ShareLock', 'rx_v AccessExclusiveLock']);
      assert.equal(locks.rows.find((r) => r.relname === 'rx_v')?.mode, `${op.lockLevel.split(' ').map((w) => w[0] + w.slice(1).toLowerCase()).join('')}Lock`, 'the level shown is the index lock');
      // A read by primary key never touches rx_v, yet planning it locks every index of the table.
      await reader.query('SET lock_timeout = 300');
      await assert.rejects(reader.query('SELECT v FROM public.rx WHERE id = 1'), (err: { code?: string }) => err.code === '55P03');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await reader.end();
    }
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
      assert.match(outcome.problem?.message ?? '', /^The maintenance statement waited longer than its lock_timeout \(upkeep\.maintenance\.lockTimeoutMs\)/);
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
    assert.deepEqual(outcome.leftovers?.map((l) => l.name), ['victim_v_ix'], 'the index the lost session was building is named');
    const drop = outcome.followUps?.[0]?.op;
    assert.ok(drop);
    assert.equal((await runMaintenance(conn, drop as MaintenanceOp)).status, 'done');
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
