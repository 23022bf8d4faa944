import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Client } from 'pg';
import { probeConnection } from '../../src/core/connections/probe';
import { PostgresConnection } from '../../src/core/postgres/connection';
import { getTable, listDatabases, listSchemas, listTables } from '../../src/core/postgres/catalog';
import { listIndexes } from '../../src/core/postgres/objects';
import type { Logger } from '../../src/core/log';
import { closedPort, pgProfile, services, uniqueName } from './services';

function admin(database?: string): Client {
  const s = services().postgres;
  return new Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: database ?? s.database });
}

function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, trace: push, debug: push, info: push, warn: push, error: push };
}

describe('PostgreSQL (real server)', function () {
  this.timeout(30_000);
  const weird = ['Order Lines', 'ix "odd" ; name', 'Ωmega', '<img src=x onerror=alert(1)>', 'a.b;c'];
  let db: string;

  before(async () => {
    db = uniqueName('upkeep_it');
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(db)}`);
    await c.end();
    const d = admin(db);
    await d.connect();
    await d.query('CREATE SCHEMA "Sales Ω"');
    for (const name of weird) await d.query(`CREATE TABLE "Sales Ω".${d.escapeIdentifier(name)} (id int primary key, v text)`);
    await d.query('CREATE TABLE public.big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g');
    await d.query('ANALYZE public.big');
    await d.end();
  });

  after(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(db)} WITH (FORCE)`);
    await c.end();
  });

  it('tests a connection and reports the server version', async () => {
    const result = await probeConnection(pgProfile(), services().postgres.password);
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(result.summary, /^PostgreSQL \d+\.\d+, database upkeep_test as upkeep$/);
  });

  it('runs catalog queries with lock_timeout and statement_timeout set', async () => {
    const conn = new PostgresConnection(pgProfile(), services().postgres.password, { lockTimeoutMs: 1234, statementTimeoutMs: 5678 });
    try {
      const [row] = await conn.query<{ lt: string; st: string; app: string }>(db, "SELECT current_setting('lock_timeout') lt, current_setting('statement_timeout') st, current_setting('application_name') app");
      assert.deepEqual(row, { lt: '1234ms', st: '5678ms', app: 'Upkeep' });
    } finally {
      await conn.dispose();
    }
  });

  it('lists databases, schemas and tables with estimates and sizes', async () => {
    const conn = new PostgresConnection(pgProfile(), services().postgres.password);
    try {
      const dbs = await listDatabases(conn);
      const mine = dbs.find((d) => d.name === db);
      assert.ok(mine, 'the test database is listed');
      assert.ok((mine.sizeBytes ?? 0) > 1_000_000, 'with its size');
      assert.ok(!dbs.some((d) => d.name === 'template0'), 'templates are hidden');

      const schemas = await listSchemas(conn, db);
      assert.deepEqual(schemas.map((s) => s.name).sort(), ['Sales Ω', 'public']);
      assert.equal(schemas.find((s) => s.name === 'Sales Ω')?.tableCount, weird.length);

      const pub = await listTables(conn, db, 'public');
      const big = pub.items.find((t) => t.name === 'big');
      assert.equal(big?.estimatedRows, 5000);
      assert.ok((big?.totalBytes ?? 0) > 300_000);

      const sales = await listTables(conn, db, 'Sales Ω');
      assert.deepEqual(sales.items.map((t) => t.name).sort(), [...weird].sort(), 'names with quotes, spaces, unicode and HTML come back intact');
      assert.ok(sales.items.every((t) => t.estimatedRows === null), 'never-analyzed tables have no estimate');
    } finally {
      await conn.dispose();
    }
  });

  it('pages through tables in name order', async () => {
    const conn = new PostgresConnection(pgProfile(), services().postgres.password);
    try {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await listTables(conn, db, 'Sales Ω', { limit: 2, after });
        seen.push(...page.items.map((t) => t.name));
        after = page.next;
        pages++;
      } while (after);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [...weird].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    } finally {
      await conn.dispose();
    }
  });

  describe('a table someone holds in ACCESS EXCLUSIVE mode', () => {
    let locker: Client;
    let lockerPid: number;
    let conn: PostgresConnection;

    before(async () => {
      const d = admin(db);
      await d.connect();
      await d.query(`CREATE SCHEMA locks;
        CREATE TABLE locks.free (id int PRIMARY KEY, v text);
        CREATE TABLE locks."held <b>" (id int PRIMARY KEY, v text);
        CREATE INDEX "held_v <b>" ON locks."held <b>" (v) WHERE id > 0;
        INSERT INTO locks.free SELECT g, md5(g::text) FROM generate_series(1, 2000) g;
        INSERT INTO locks."held <b>" SELECT g, md5(g::text) FROM generate_series(1, 2000) g;
        ANALYZE locks.free; ANALYZE locks."held <b>";`);
      await d.end();
      locker = admin(db);
      await locker.connect();
      lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE locks."held <b>" IN ACCESS EXCLUSIVE MODE');
      // A short lock_timeout: if anything still waited for the lock, the read would fail, not hang.
      conn = new PostgresConnection(pgProfile(), services().postgres.password, { lockTimeoutMs: 500, statementTimeoutMs: 10_000 });
    });

    after(async () => {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await conn.dispose();
    });

    it('lists every table; the locked one flagged with the holder\'s pid, statement and since, its size estimated without waiting', async () => {
      const page = await listTables(conn, db, 'locks');
      assert.deepEqual(page.items.map((t) => t.name), ['free', 'held <b>']);
      const [free, held] = page.items;
      assert.equal(free?.sizeEstimated, false);
      assert.equal(free?.lock, undefined);
      assert.ok((free?.totalBytes ?? 0) > 100_000, 'the free table is measured');
      assert.equal(held?.sizeEstimated, true);
      assert.equal(held?.lock?.pid, lockerPid);
      assert.equal(held?.lock?.granted, true);
      assert.match(held?.lock?.query ?? '', /LOCK TABLE locks\."held <b>" IN ACCESS EXCLUSIVE MODE/);
      assert.ok(held?.lock?.since instanceof Date && held.lock.since.getTime() <= Date.now());
      // The estimate is pg_class.relpages of the table, its TOAST and its indexes, in blocks.
      const pages = await conn.query<{ p: string }>(db,
        `SELECT sum(relpages)::int8 * current_setting('block_size')::int8 AS p FROM pg_class
          WHERE oid IN ('locks."held <b>"'::regclass, (SELECT reltoastrelid FROM pg_class WHERE oid = 'locks."held <b>"'::regclass))
             OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('locks."held <b>"'::regclass, (SELECT reltoastrelid FROM pg_class WHERE oid = 'locks."held <b>"'::regclass)))`);
      assert.equal(held?.totalBytes, Number(pages[0]?.p), 'relpages × block size');
      assert.ok((held?.totalBytes ?? 0) > 0);
      assert.deepEqual(await getTable(conn, db, 'locks', 'held <b>').then((t) => [t?.sizeEstimated, t?.lock?.pid]), [true, lockerPid], 'one table, fresh, reads around it too');
    });

    it('lists the locked table\'s indexes: sizes estimated, definitions not read, judged all the same', async () => {
      const indexes = await listIndexes(conn, db, 'locks', 'held <b>');
      assert.deepEqual(indexes.map((i) => [i.name, i.locked, i.definition]), [['held <b>_pkey', true, ''], ['held_v <b>', true, '']]);
      assert.equal(indexes[1]?.predicate, '(not read)', 'partial, though its text cannot be read now');
      assert.ok(indexes[1]?.predicateTree?.startsWith('{OPEXPR'), 'the stored predicate is read (no lock)');
      const free = await listIndexes(conn, db, 'locks', 'free');
      assert.match(free[0]?.definition ?? '', /^CREATE UNIQUE INDEX free_pkey ON locks\.free USING btree \(id\)$/);
    });

    it('a lock still waiting in the queue counts too: reads queue behind it', async () => {
      const reader = admin(db);
      const waiter = admin(db);
      await reader.connect();
      await waiter.connect();
      try {
        await reader.query('BEGIN');
        await reader.query('SELECT count(*) FROM locks.free');
        const waiterPid = (await waiter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
        const altering = waiter.query('ALTER TABLE locks.free ADD COLUMN extra int').catch((err: Error) => err);
        try {
          await new Promise((r) => setTimeout(r, 300));
          const free = (await listTables(conn, db, 'locks')).items.find((t) => t.name === 'free');
          assert.equal(free?.sizeEstimated, true);
          assert.equal(free?.lock?.pid, waiterPid);
          assert.equal(free?.lock?.granted, false, 'requested, waiting behind the reader');
          assert.match(free?.lock?.query ?? '', /ALTER TABLE locks\.free ADD COLUMN extra int/);
        } finally {
          await reader.query('ROLLBACK');
          await altering;
        }
      } finally {
        await reader.end();
        await waiter.end();
      }
    });
  });

  it('cancels exactly the queries of a named session on the server (report Cancel)', async () => {
    const tree = new PostgresConnection(pgProfile(), services().postgres.password);
    const report = new PostgresConnection(pgProfile(), services().postgres.password, { lockTimeoutMs: 1000, statementTimeoutMs: 60_000 }, undefined, 'Upkeep report test-1');
    try {
      const started = Date.now();
      const sleeping = report.query(db, 'SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await report.cancelRunning(db, tree), 1, 'one backend signalled');
      await assert.rejects(sleeping, (err: { code?: string }) => err.code === '57014');
      assert.ok(Date.now() - started < 5_000);
      const [ok] = await tree.query<{ one: number }>(db, 'SELECT 1 AS one');
      assert.equal(ok?.one, 1, 'the tree connection was not touched');
    } finally {
      await report.dispose();
      await tree.dispose();
    }
  });

  describe('Test connection errors, produced for real', () => {
    it('wrong password → auth, and the password appears nowhere', async () => {
      const log = collectingLogger();
      const result = await probeConnection(pgProfile(), 'hunter2-wrong', log);
      assert.ok(!result.ok);
      assert.equal(result.problem.kind, 'auth');
      assert.match(result.problem.message, /rejected the user name or password/);
      assert.ok(!JSON.stringify({ result, lines: log.lines }).includes('hunter2-wrong'));
      assert.ok(log.lines.some((l) => l.includes('28P01') || l.includes('password authentication failed')), 'details went to the log');
    });

    it('closed port → unreachable', async () => {
      const result = await probeConnection(pgProfile({ port: await closedPort() }), 'x');
      assert.ok(!result.ok);
      assert.equal(result.problem.kind, 'unreachable');
      assert.match(result.problem.message, /Nothing is listening at/);
    });

    it('unknown host → unknown-host', async () => {
      const result = await probeConnection(pgProfile({ host: 'no-such-host.invalid' }), 'x');
      assert.ok(!result.ok);
      assert.equal(result.problem.kind, 'unknown-host');
    });

    it('a server that never answers → timeout', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const result = await probeConnection(pgProfile({ port, connectTimeoutMs: 800 }), 'x');
        assert.ok(!result.ok);
        assert.equal(result.problem.kind, 'timeout');
      } finally {
        silent.close();
      }
    });

    it('unknown database → unknown-database', async () => {
      const result = await probeConnection(pgProfile({ database: 'no_such_db' }), services().postgres.password);
      assert.ok(!result.ok);
      assert.equal(result.problem.kind, 'unknown-database');
      assert.match(result.problem.message, /no database "no_such_db"/);
    });

    it('a database that only accepts TLS → tls-required', async () => {
      const result = await probeConnection(pgProfile({ database: services().postgres.tlsOnlyDatabase }), services().postgres.password);
      assert.ok(!result.ok);
      assert.equal(result.problem.kind, 'tls-required');
    });

    it('TLS asked of a server without TLS → tls-refused', async () => {
      const result = await probeConnection(pgProfile({ tls: 'require' }), services().postgres.password);
      assert.ok(!result.ok);
      assert.equal(result.problem.kind, 'tls-refused');
    });
  });
});
