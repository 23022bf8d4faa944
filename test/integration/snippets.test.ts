import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { Client } from 'pg';
import * as neo4j from 'neo4j-driver';
import { services, uniqueName } from './services';
import { expandSnippet } from '../support/snippets';
import { findPgBin } from '../services/postgres';

// Every snippet Upkeep contributes, expanded with its defaults, run against the
// real servers, and each checked for what it claims: the rows it must show
// (set up here: a blocked query, a running VACUUM, a WAL receiver…) or the
// effect it must have on the server (a vacuum counted, a relation rewritten).
// The defaults name fixtures created here (public.my_table, my_index,
// :MyLabel …), so the destructive ones only ever reach those.

const ROOT = path.resolve(__dirname, '../../..');

interface Snippet {
  prefix: string;
  description: string;
  body: string[];
}

type Row = Record<string, unknown>;

function loadSnippets(file: string): Snippet[] {
  return Object.values(JSON.parse(fs.readFileSync(path.join(ROOT, 'snippets', file), 'utf8')) as Record<string, Snippet>);
}


/** Statements of a body: one per snippet, except a few Cypher ones that are two, each ending a line with ";". */
function statements(text: string): string[] {
  return text.split(/;[ \t]*(?:\n|$)/).map((s) => s.trim()).filter((s) => s.length > 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `fn` until it stops throwing (statistics are flushed asynchronously) or the time is up. */
async function eventually<T>(fn: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
}

const names = (rows: Row[], column: string): string[] => rows.map((r) => String(r[column]));

interface Case {
  /** What the user types over a placeholder instead of its default (by tab stop). */
  typed?: Record<number, string>;
  /** Runs before the snippet: sessions to cancel, locks to wait on … */
  setup?: () => Promise<void>;
  /** What the rows must show; retried for a while when `eventually` is set (statistics lag). */
  check?: (rows: Row[]) => void | Promise<void>;
  eventually?: boolean;
  /** Runs after the check, also when it failed. */
  teardown?: () => Promise<void>;
  /** The snippet must fail with this (e.g. an Enterprise-only procedure on Community). */
  expectError?: () => Promise<RegExp | undefined>;
}

describe('SQL snippets on PostgreSQL', function () {
  this.timeout(60_000);
  const snippets = loadSnippets('sql.json');
  let db: string;
  let slot: string;
  let client: Client;
  const sessions: Client[] = [];

  const admin = (database?: string, applicationName?: string): Client => {
    const s = services().postgres;
    return new Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: database ?? s.database, application_name: applicationName });
  };

  /** A second session in the test database, ended in after(). */
  const session = async (applicationName = 'upkeep-snippet-test'): Promise<{ c: Client; pid: number }> => {
    const c = admin(db, applicationName);
    c.on('error', () => undefined); // terminated on purpose
    await c.connect();
    sessions.push(c);
    const r = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { c, pid: r.rows[0]?.pid ?? 0 };
  };

  const activity = async (pid: number): Promise<Row | undefined> =>
    (await client.query<Row>('SELECT state, wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0];

  const waitFor = async (what: string, pred: () => Promise<boolean>): Promise<void> => {
    await eventually(async () => assert.ok(await pred(), what));
  };

  const indexExists = async (name: string): Promise<boolean> =>
    (await client.query('SELECT 1 FROM pg_class WHERE relname = $1 AND relkind = $2', [name, 'i'])).rowCount === 1;

  before(async () => {
    db = uniqueName('upkeep_snippets');
    slot = uniqueName('upkeep_snippet_slot');
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(db)}`);
    await c.end();
    client = admin(db);
    await client.connect();
    await client.query("SET lock_timeout = '20s'");
    for (const sql of [
      'CREATE EXTENSION IF NOT EXISTS pg_stat_statements',
      'CREATE EXTENSION IF NOT EXISTS pgstattuple',
      // What the templates' defaults name.
      'CREATE TABLE public.my_table (id int PRIMARY KEY, my_column text, n int)',
      "INSERT INTO public.my_table SELECT g, 'value ' || g, g % 100 FROM generate_series(1, 5000) g",
      'CREATE INDEX my_index ON public.my_table (n)',
      'CREATE INDEX my_index_copy ON public.my_table (n)',
      'CREATE SEQUENCE public.my_seq AS smallint',
      "SELECT setval('public.my_seq', 30000)",
      'CREATE TABLE public.my_lock_table (id int)',
      // A table and index with 90% of their rows deleted (not vacuumed), and a compact one: the bloat estimates must tell them apart.
      "CREATE TABLE public.my_bloated_table (id int, payload text) WITH (autovacuum_enabled = off)",
      "INSERT INTO public.my_bloated_table SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g",
      'CREATE INDEX my_bloated_index ON public.my_bloated_table (id)',
      'DELETE FROM public.my_bloated_table WHERE id % 10 <> 0',
      "CREATE TABLE public.my_compact_table WITH (autovacuum_enabled = off) AS SELECT g AS id, repeat('y', 100) AS payload FROM generate_series(1, 20000) g",
      'CREATE INDEX my_compact_index ON public.my_compact_table (id)',
      // Dead tuples for a VACUUM that is throttled so its progress can be seen.
      "CREATE TABLE public.my_vacuum_table (id int, payload text) WITH (autovacuum_enabled = off)",
      "INSERT INTO public.my_vacuum_table SELECT g, repeat('z', 100) FROM generate_series(1, 20000) g",
      'DELETE FROM public.my_vacuum_table WHERE id % 2 = 0',
      'ANALYZE',
    ]) await client.query(sql);
    await client.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
  });

  after(async () => {
    for (const s of sessions) await s.end().catch(() => undefined);
    await client?.end().catch(() => undefined);
    const c = admin();
    await c.connect();
    await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(db)} WITH (FORCE)`);
    await c.end();
  });

  /** A counter of pg_stat_user_tables (vacuum_count, analyze_count, seq_scan) for one table. */
  const tableStat = async (table: string, column: 'vacuum_count' | 'analyze_count' | 'seq_scan'): Promise<number> =>
    Number((await client.query<Row>(`SELECT ${column} AS n FROM pg_stat_user_tables WHERE relname = $1`, [table])).rows[0]?.['n'] ?? 0);
  const filenode = async (relation: string): Promise<string> =>
    String((await client.query<Row>('SELECT pg_relation_filenode($1::regclass) AS f', [relation])).rows[0]?.['f']);
  const checkpointsRequested = async (): Promise<number> => Number((await client.query<Row>('SELECT checkpoints_req AS n FROM pg_stat_bgwriter')).rows[0]?.['n']);

  let baseline = 0;
  let beforeNode = '';
  let background: { c: Client; pid: number; done: Promise<unknown> } | undefined;
  let snapshotHolder: { c: Client; pid: number } | undefined;
  let receiver: { proc: ChildProcess; dir: string } | undefined;

  let blocker: { c: Client; pid: number } | undefined;
  let waiter: { pid: number; done: Promise<unknown> } | undefined;
  let victim: { pid: number; done: Promise<unknown> } | undefined;
  let idle: { c: Client; pid: number } | undefined;

  const cases: Record<string, Case> = {
    'pg-table-sizes': { check: (rows) => assert.ok(names(rows, 'relname').includes('my_table')) },
    'pg-database-sizes': { check: (rows) => assert.ok(names(rows, 'database').includes(db)) },
    'pg-dead-tuples': {
      eventually: true,
      check: (rows) => {
        const row = rows.find((r) => r['relname'] === 'my_bloated_table');
        assert.ok(row, 'my_bloated_table has 18,000 dead tuples');
        assert.ok(Number(row['dead_pct']) > 80, String(row['dead_pct']));
      },
    },
    'pg-vacuum-status': { check: (rows) => assert.ok(names(rows, 'relname').includes('my_table')) },
    'pg-table-bloat': {
      check: (rows) => {
        const pct = (t: string): number => Number(rows.find((r) => r['table_name'] === t)?.['bloat_pct']);
        assert.ok(pct('my_bloated_table') > 80, `my_bloated_table ${pct('my_bloated_table')}%`);
        assert.ok(pct('my_compact_table') < 10, `my_compact_table ${pct('my_compact_table')}%`);
      },
    },
    'pg-index-bloat': {
      check: (rows) => {
        const pct = (i: string): number => Number(rows.find((r) => r['index_name'] === i)?.['bloat_pct']);
        assert.ok(pct('my_bloated_index') > 80, `my_bloated_index ${pct('my_bloated_index')}%`);
        assert.ok(pct('my_compact_index') < 15, `my_compact_index ${pct('my_compact_index')}%`);
      },
    },
    'pg-pgstattuple': { check: (rows) => assert.ok(Number(rows[0]?.['table_len']) > 0) },
    'pg-pgstatindex': { check: (rows) => assert.ok(Number(rows[0]?.['leaf_pages']) > 0) },
    'pg-index-usage': { eventually: true, check: (rows) => assert.ok(names(rows, 'index_name').includes('my_index')) },
    'pg-unused-indexes': {
      eventually: true,
      check: (rows) => {
        assert.ok(names(rows, 'index_name').includes('my_index_copy'));
        assert.ok(!names(rows, 'index_name').includes('my_table_pkey'), 'primary keys are not "unused"');
      },
    },
    'pg-duplicate-indexes': {
      check: (rows) => assert.ok(rows.some((r) => r['table_name'] === 'my_table' && String(r['indexes']).includes('my_index_copy'))),
    },
    'pg-cache-hit-ratio': { check: (rows) => assert.deepEqual(names(rows, 'object'), ['tables', 'indexes', 'database']) },
    'pg-slow-queries': { check: (rows) => assert.ok(rows.length > 0, 'the fixtures left statements in pg_stat_statements') },
    'pg-blocked-queries': {
      setup: async () => {
        blocker = await session();
        await blocker.c.query('BEGIN');
        await blocker.c.query('LOCK TABLE public.my_lock_table IN ACCESS EXCLUSIVE MODE');
        const w = await session();
        waiter = { pid: w.pid, done: w.c.query('SELECT count(*) FROM public.my_lock_table') };
        const pid = w.pid;
        await waitFor('the waiter waits on the lock', async () => (await activity(pid))?.['wait_event_type'] === 'Lock');
      },
      check: (rows) => assert.ok(rows.some((r) => r['blocked_pid'] === waiter?.pid && r['blocking_pid'] === blocker?.pid), JSON.stringify(rows)),
      teardown: async () => {
        await blocker?.c.query('ROLLBACK');
        await waiter?.done;
      },
    },
    'pg-connections': { check: (rows) => assert.ok(names(rows, 'database').includes(db)) },
    'pg-cancel-backend': {
      setup: async () => {
        const v = await session('my_app');
        victim = { pid: v.pid, done: v.c.query('SELECT pg_sleep(60)').then(() => 'finished', (e: unknown) => e) };
        await waitFor('the victim runs pg_sleep', async () => (await activity(v.pid))?.['state'] === 'active');
      },
      check: async (rows) => {
        assert.deepEqual(rows.map((r) => [r['pid'], r['cancelled']]), [[victim?.pid, true]]);
        const outcome = await victim?.done;
        assert.equal((outcome as { code?: string } | undefined)?.code, '57014', 'the sleep was cancelled');
      },
    },
    'pg-terminate-backend': {
      setup: async () => {
        idle = await session('my_app');
        await idle.c.query('BEGIN');
        await idle.c.query('SELECT 1');
        const pid = idle.pid;
        await waitFor('the session is idle in transaction', async () => (await activity(pid))?.['state'] === 'idle in transaction');
      },
      check: async (rows) => {
        assert.deepEqual(rows.map((r) => [r['pid'], r['terminated']]), [[idle?.pid, true]]);
        const pid = idle?.pid ?? 0;
        await waitFor('the session is gone', async () => (await activity(pid)) === undefined);
      },
    },
    'pg-wraparound-databases': { check: (rows) => assert.ok(names(rows, 'database').includes(db)) },
    'pg-wraparound-tables': {
      check: async (rows) => {
        // The oldest relations by transaction-ID age, as the catalog itself ranks them.
        const truth = (await client.query<Row>(
          "SELECT n.nspname AS s, c.relname AS t, age(c.relfrozenxid) AS a FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm', 't')",
        )).rows;
        const ageOf = new Map(truth.map((r) => [`${String(r['s'])}.${String(r['t'])}`, Number(r['a'])]));
        assert.equal(rows.length, Math.min(20, truth.length), 'LIMIT 20 of all tables');
        const ages = rows.map((r) => Number(r['xid_age']));
        assert.deepEqual(ages, [...ages].sort((x, y) => y - x), 'oldest first');
        for (const r of rows) {
          const expected = ageOf.get(`${String(r['schema_name'])}.${String(r['table_name'])}`);
          assert.ok(expected !== undefined, `a real relation: ${JSON.stringify(r)}`);
          // Ages grow by the transactions between the two reads, no more.
          assert.ok(Math.abs(Number(r['xid_age']) - expected) <= 5, `${String(r['table_name'])}: ${String(r['xid_age'])} vs ${expected}`);
        }
        const youngest = Math.min(...truth.map((r) => Number(r['a'])));
        assert.ok(ages.every((x) => x >= youngest) && (ages[0] ?? 0) > youngest, 'the list starts with a relation older than the youngest');
      },
    },
    'pg-sequences': {
      check: (rows) => {
        const row = rows.find((r) => r['sequencename'] === 'my_seq');
        assert.ok(row, 'my_seq (30000 of a smallint) is near its limit');
        assert.ok(Number(row['pct_used']) > 90);
      },
    },
    'pg-reindex-index': { check: async () => assert.ok(await indexExists('my_index')) },
    'pg-create-index': { check: async () => assert.ok(await indexExists('my_table_my_column_idx')) },
    'pg-drop-index': {
      setup: async () => void (await client.query('CREATE INDEX IF NOT EXISTS my_table_my_column_idx ON public.my_table (my_column)')),
      check: async () => assert.ok(!(await indexExists('my_table_my_column_idx'))),
    },
    'pg-autovacuum-settings': { check: (rows) => assert.ok(names(rows, 'name').includes('autovacuum_vacuum_scale_factor')) },
    'pg-replica-delay': { check: (rows) => assert.deepEqual(rows.map((r) => r['is_standby']), [false]) },
    'pg-replication-slots': { check: (rows) => assert.ok(names(rows, 'slot_name').includes(slot)) },
    'pg-seq-scans': {
      eventually: true,
      setup: async () => {
        baseline = await tableStat('my_compact_table', 'seq_scan');
        await client.query('SELECT count(*) FROM public.my_compact_table WHERE payload = $1', ['none']);
      },
      check: (rows) => {
        const row = rows.find((r) => r['relname'] === 'my_compact_table');
        assert.ok(row, 'my_compact_table (20,000 rows, scanned) is listed');
        assert.ok(Number(row['seq_scan']) > baseline && Number(row['seq_tup_read']) >= 20_000, JSON.stringify(row));
      },
    },
    'pg-slow-queries-reset': {
      setup: async () => {
        await client.query('SELECT count(*) AS upkeep_reset_marker FROM public.my_table');
        await waitFor('the marker is in pg_stat_statements', async () => (await markerCount()) > 0);
      },
      check: async () => assert.equal(await markerCount(), 0, 'this database\'s statements were reset'),
    },
    'pg-long-running': {
      // The default is 5 minutes; a user looking for shorter ones types 1 second.
      typed: { 1: '1 second' },
      setup: async () => {
        idle = await session('my_long_app');
        await idle.c.query('BEGIN');
        await idle.c.query('SELECT 1');
        await sleep(1_200);
      },
      check: (rows) => {
        const row = rows.find((r) => r['pid'] === idle?.pid);
        assert.ok(row, `the open transaction is listed: ${JSON.stringify(rows)}`);
        assert.equal(row['state'], 'idle in transaction');
        assert.equal(row['application_name'], 'my_long_app');
      },
      teardown: async () => void (await idle?.c.query('ROLLBACK')),
    },
    'pg-vacuum': {
      eventually: true,
      setup: async () => void (baseline = await tableStat('my_table', 'vacuum_count')),
      check: async () => assert.ok((await tableStat('my_table', 'vacuum_count')) > baseline, 'the server counted a VACUUM of my_table'),
    },
    'pg-vacuum-full': {
      setup: async () => void (beforeNode = await filenode('public.my_table')),
      check: async () => assert.notEqual(await filenode('public.my_table'), beforeNode, 'VACUUM FULL rewrote my_table into new storage'),
    },
    'pg-analyze': {
      eventually: true,
      setup: async () => void (baseline = await tableStat('my_table', 'analyze_count')),
      check: async () => assert.ok((await tableStat('my_table', 'analyze_count')) > baseline, 'the server counted an ANALYZE of my_table'),
    },
    'pg-reindex-table': {
      setup: async () => void (beforeNode = await filenode('public.my_index')),
      check: async () => {
        assert.notEqual(await filenode('public.my_index'), beforeNode, 'my_index was rebuilt');
        const invalid = await client.query("SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relname LIKE 'my_%'");
        assert.equal(invalid.rowCount, 0, 'no invalid leftover');
      },
    },
    'pg-checkpoint': {
      eventually: true,
      setup: async () => void (baseline = await checkpointsRequested()),
      check: async () => assert.ok((await checkpointsRequested()) > baseline, 'the checkpointer counted a requested checkpoint'),
    },
    'pg-vacuum-progress': {
      eventually: true,
      setup: async () => {
        // A VACUUM slowed down to a crawl (cost-based delay), so it is still running while the snippet looks.
        const s = await session('my_vacuum_app');
        await s.c.query("SET vacuum_cost_delay = '100ms'; SET vacuum_cost_limit = 1");
        background = { ...s, done: s.c.query('VACUUM public.my_vacuum_table').catch((e: unknown) => e) };
        await waitFor('the VACUUM runs', async () => (await activity(s.pid))?.['state'] === 'active');
      },
      check: (rows) => {
        const row = rows.find((r) => r['pid'] === background?.pid);
        assert.ok(row, `the running VACUUM is listed: ${JSON.stringify(rows)}`);
        assert.equal(row['table_name'], 'my_vacuum_table');
        assert.ok(String(row['phase']).length > 0);
      },
      teardown: async () => {
        if (background) await client.query('SELECT pg_cancel_backend($1)', [background.pid]);
        await background?.done;
      },
    },
    'pg-index-progress': {
      eventually: true,
      setup: async () => {
        // CREATE INDEX CONCURRENTLY waits for this older snapshot to end, and reports that phase meanwhile.
        snapshotHolder = await session('my_snapshot_app');
        await snapshotHolder.c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await snapshotHolder.c.query('SELECT count(*) FROM public.my_compact_table');
        const s = await session('my_index_app');
        background = { ...s, done: s.c.query('CREATE INDEX CONCURRENTLY my_progress_index ON public.my_compact_table (payload)').catch((e: unknown) => e) };
      },
      check: (rows) => {
        const row = rows.find((r) => r['pid'] === background?.pid);
        assert.ok(row, `the index build is listed: ${JSON.stringify(rows)}`);
        assert.equal(row['table_name'], 'my_compact_table');
        assert.equal(row['command'], 'CREATE INDEX CONCURRENTLY');
      },
      teardown: async () => {
        await snapshotHolder?.c.query('COMMIT');
        const outcome = await background?.done;
        assert.ok(!(outcome instanceof Error), `the index build finished: ${String(outcome)}`);
        assert.ok(await indexExists('my_progress_index'));
        await client.query('DROP INDEX public.my_progress_index');
      },
    },
    'pg-replication-lag': {
      eventually: true,
      setup: () => {
        // A real WAL receiver (pg_receivewal streams over the replication protocol, as a standby does).
        const s = services().postgres;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-walrecv-'));
        const passfile = path.join(dir, 'pgpass');
        fs.writeFileSync(passfile, `${s.host}:${s.port}:*:${s.user}:${s.password}\n`, { mode: 0o600 });
        fs.mkdirSync(path.join(dir, 'wal'));
        const proc = spawn(path.join(findPgBin(), 'pg_receivewal'), ['-D', path.join(dir, 'wal'), '-h', s.host, '-p', String(s.port), '-U', s.user, '--no-password', '--no-loop'], {
          env: { ...process.env, PGPASSFILE: passfile, PGAPPNAME: 'my_wal_receiver' },
          stdio: 'ignore',
        });
        receiver = { proc, dir };
        return Promise.resolve();
      },
      check: (rows) => {
        const row = rows.find((r) => r['application_name'] === 'my_wal_receiver');
        assert.ok(row, `the WAL receiver is listed: ${JSON.stringify(rows)}`);
        assert.equal(row['state'], 'streaming');
        assert.equal(row['sync_state'], 'async');
        // pg_receivewal writes and flushes WAL but replays none: its replay position (and so the lag size) is empty.
        assert.equal(row['replay_lag_size'], null);
      },
      teardown: async () => {
        receiver?.proc.kill('SIGTERM');
        await new Promise((resolve) => (receiver?.proc.exitCode !== null ? resolve(undefined) : receiver.proc.once('exit', resolve)));
        if (receiver) fs.rmSync(receiver.dir, { recursive: true, force: true });
      },
    },
  };

  const markerCount = async (): Promise<number> =>
    Number((await client.query<Row>("SELECT count(*) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() AND s.query LIKE '%upkeep_reset_marker%'")).rows[0]?.['n']);

  it('checks every snippet for what it claims, not only that it ran', () => {
    const unchecked = snippets.map((s) => s.prefix).filter((p) => !cases[p]?.check && !cases[p]?.expectError);
    assert.deepEqual(unchecked, []);
  });

  it('has no case without a snippet', () => {
    const prefixes = new Set(snippets.map((s) => s.prefix));
    for (const prefix of Object.keys(cases)) assert.ok(prefixes.has(prefix), `no snippet ${prefix}`);
  });

  for (const snippet of snippets) {
    it(`${snippet.prefix} runs with its defaults`, async () => {
      const c = cases[snippet.prefix] ?? {};
      const sql = expandSnippet(snippet.body, c.typed);
      await c.setup?.();
      try {
        const run = async (): Promise<Row[]> => {
          const result = await client.query<Row>(sql);
          assert.ok(result.command, 'completed');
          await c.check?.(result.rows);
          return result.rows;
        };
        if (c.eventually) await eventually(run);
        else await run();
      } finally {
        await c.teardown?.();
      }
    });
  }
});

describe('Cypher snippets on Neo4j', function () {
  this.timeout(60_000);
  const snippets = loadSnippets('cypher.json');
  let driver: neo4j.Driver;

  const plain = (v: unknown): unknown => {
    if (neo4j.isInt(v)) return v.toNumber();
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v as Row).map(([k, x]) => [k, plain(x)]));
    }
    return v;
  };

  /** Auto-commit, as CALL { … } IN TRANSACTIONS requires. */
  const run = async (cypher: string): Promise<Row[]> => {
    const session = driver.session();
    try {
      const result = await session.run(cypher);
      return result.records.map((r) => plain(r.toObject()) as Row);
    } finally {
      await session.close();
    }
  };

  const ensureIndex = async (): Promise<void> => {
    await run('CREATE INDEX my_index IF NOT EXISTS FOR (n:MyLabel) ON (n.id)');
    await run('CALL db.awaitIndexes(60)');
  };
  const indexNames = async (): Promise<string[]> => names(await run('SHOW INDEXES YIELD name RETURN name'), 'name');
  const orphanCount = async (label: string): Promise<number> =>
    Number((await run(`MATCH (n:${label}) WHERE NOT EXISTS { (n)--() } RETURN count(n) AS c`))[0]?.['c']);
  const addOrphan = async (): Promise<void> => void (await run("CREATE (:MyLabel {id: 'orphan-' + randomUUID()})"));
  const afterOrphanDelete = async (): Promise<void> => {
    assert.equal(await orphanCount('MyLabel'), 0, 'MyLabel orphans deleted');
    assert.equal(Number((await run('MATCH (n:MyLabel) WHERE EXISTS { (n)--() } RETURN count(n) AS c'))[0]?.['c']), 3, 'connected MyLabel nodes kept');
    assert.equal(await orphanCount('MyOtherLabel'), 1, 'orphans of other labels kept');
  };

  before(async () => {
    const s = services().neo4j;
    driver = neo4j.driver(s.url, neo4j.auth.basic(s.user, s.password));
    await run('MATCH (n) WHERE n:MyLabel OR n:MyOtherLabel DETACH DELETE n');
    await run('DROP INDEX my_index IF EXISTS');
    // Three :MyLabel nodes sharing id 100, connected (duplicates, not orphans); orphans of :MyLabel and of another label.
    await run(`CREATE (a:MyLabel {id: 100, name: 'first'})-[:MY_REL]->(:MyLabel {id: 100, name: 'second'}),
                      (:MyLabel {id: 100, name: 'third'})-[:MY_REL]->(a),
                      (:MyLabel {id: 1}), (:MyLabel {id: 2}), (:MyOtherLabel {id: 1})`);
    await ensureIndex();
  });

  after(async () => {
    if (!driver) return;
    await run('MATCH (n) WHERE n:MyLabel OR n:MyOtherLabel DETACH DELETE n');
    await run('DROP INDEX my_index IF EXISTS');
    await driver.close();
  });

  let pending: Promise<unknown> | undefined;
  const eventuallyTrue = async (what: string, pred: () => Promise<boolean>): Promise<void> => {
    await eventually(async () => assert.ok(await pred(), what));
  };

  const cases: Record<string, Case> = {
    'neo4j-counts': { check: (rows) => assert.ok(Number(rows[0]?.['nodes']) >= 6 && Number(rows[0]?.['relationships']) >= 2) },
    'neo4j-counts-apoc': { check: (rows) => assert.ok(Number(rows[0]?.['nodeCount']) >= 6 && Number(rows[0]?.['relCount']) >= 2) },
    'neo4j-count-by-label': { check: (rows) => assert.ok(names(rows, 'label').includes('MyLabel')) },
    'neo4j-count-by-label-apoc': { check: (rows) => assert.ok(names(rows, 'label').includes('MyLabel')) },
    'neo4j-count-by-type': { check: (rows) => assert.ok(names(rows, 'type').includes('MY_REL')) },
    'neo4j-indexes': { setup: ensureIndex, check: (rows) => assert.ok(names(rows, 'name').includes('my_index')) },
    'neo4j-index-progress': { setup: ensureIndex, check: (rows) => assert.equal(rows.find((r) => r['name'] === 'my_index')?.['populationPercent'], 100) },
    'neo4j-index-usage': { setup: ensureIndex, check: (rows) => assert.ok(names(rows, 'name').includes('my_index')) },
    'neo4j-drop-index': { setup: ensureIndex, check: async () => assert.ok(!(await indexNames()).includes('my_index')) },
    'neo4j-create-index': {
      setup: async () => void (await run('DROP INDEX my_index IF EXISTS')),
      check: async () => assert.ok((await indexNames()).includes('my_index')),
    },
    'neo4j-rebuild-index': { setup: ensureIndex, check: async () => assert.ok((await indexNames()).includes('my_index')) },
    'neo4j-orphans-count': { setup: addOrphan, check: (rows) => assert.ok(rows.some((r) => JSON.stringify(r['labels']) === '["MyLabel"]' && Number(r['orphans']) >= 1)) },
    'neo4j-orphans-delete': { setup: addOrphan, check: afterOrphanDelete },
    'neo4j-orphans-delete-apoc': { setup: addOrphan, check: afterOrphanDelete },
    'neo4j-duplicates': { check: (rows) => assert.deepEqual(rows.map((r) => [r['id'], r['copies']]), [[100, 3]]) },
    'neo4j-databases': { check: (rows) => assert.ok(names(rows, 'name').includes('neo4j')) },
    'neo4j-version': { check: (rows) => assert.match(String(rows[0]?.['edition']), /^(community|enterprise)$/) },
    'neo4j-procedures': { check: (rows) => assert.ok(names(rows, 'name').includes('db.labels')) },
    'neo4j-schema': { check: (rows) => assert.equal(rows.length, 1) },
    'neo4j-constraints': {
      setup: async () => void (await run('CREATE CONSTRAINT my_constraint IF NOT EXISTS FOR (n:MyConstraintLabel) REQUIRE n.key IS UNIQUE')),
      check: (rows) => {
        const row = rows.find((r) => r['name'] === 'my_constraint');
        assert.ok(row, 'the constraint is listed');
        assert.equal(row['type'], 'UNIQUENESS');
        assert.deepEqual(row['labelsOrTypes'], ['MyConstraintLabel']);
        assert.deepEqual(row['properties'], ['key']);
        assert.equal(row['ownedIndex'], 'my_constraint', 'with the index that backs it');
      },
      teardown: async () => void (await run('DROP CONSTRAINT my_constraint IF EXISTS')),
    },
    'neo4j-store-size': {
      // What its description promises: store sizes on Enterprise with JMX metrics on; on Community, no rows (and no error).
      check: async (rows) => {
        const edition = (await run('CALL dbms.components() YIELD edition RETURN edition'))[0]?.['edition'];
        if (edition === 'community') assert.deepEqual(rows, [], 'Community exposes no neo4j.metrics beans');
        else assert.ok(rows.some((r) => String(r['name']).includes('store.size')), JSON.stringify(rows));
        const jmx = await run("CALL dbms.queryJmx('java.lang:type=Memory') YIELD name RETURN name");
        assert.deepEqual(names(jmx, 'name'), ['java.lang:type=Memory'], 'the JMX procedure itself answers');
      },
    },
    'neo4j-transactions': {
      // The default is 10 s; a user looking at shorter ones types 0.
      typed: { 1: '0' },
      setup: async () => {
        const session = driver.session();
        const sleeping = session.run('CALL apoc.util.sleep(4000) RETURN "my_sleeping_transaction" AS marker').then(() => session.close(), () => session.close());
        pending = sleeping;
        await eventuallyTrue('the sleeping transaction runs', async () =>
          (await run('SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery')).some((r) => String(r['currentQuery']).includes('my_sleeping_transaction')));
      },
      check: (rows) => {
        const row = rows.find((r) => String(r['currentQuery']).includes('my_sleeping_transaction'));
        assert.ok(row, `the running transaction is listed: ${JSON.stringify(rows.map((r) => r['currentQuery']))}`);
        assert.equal(row['username'], services().neo4j.user);
        assert.equal(row['status'], 'Running');
      },
      teardown: async () => void (await pending),
    },
    'neo4j-checkpoint': {
      // db.checkpoint() is an Enterprise Edition procedure.
      expectError: async () => ((await run('CALL dbms.components() YIELD edition RETURN edition'))[0]?.['edition'] === 'community' ? /ProcedureNotFound|no procedure with the name `db\.checkpoint`/ : undefined),
    },
  };

  it('checks every snippet for what it claims, not only that it ran', () => {
    const unchecked = snippets.map((s) => s.prefix).filter((p) => !cases[p]?.check && !cases[p]?.expectError);
    assert.deepEqual(unchecked, []);
  });

  it('has no case without a snippet', () => {
    const prefixes = new Set(snippets.map((s) => s.prefix));
    for (const prefix of Object.keys(cases)) assert.ok(prefixes.has(prefix), `no snippet ${prefix}`);
  });

  for (const snippet of snippets) {
    it(`${snippet.prefix} runs with its defaults`, async () => {
      const c = cases[snippet.prefix] ?? {};
      const parts = statements(expandSnippet(snippet.body, c.typed));
      assert.ok(parts.length >= 1);
      await c.setup?.();
      try {
        const expected = await c.expectError?.();
        if (expected) {
          await assert.rejects(async () => { for (const p of parts) await run(p); }, (e: Error & { code?: string }) => expected.test(`${e.code ?? ''} ${e.message}`));
          return;
        }
        let rows: Row[] = [];
        for (const p of parts) rows = await run(p);
        await c.check?.(rows);
      } finally {
        await c.teardown?.();
      }
    });
  }
});
