import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Client } from 'pg';
import { PostgresConnection } from '../../src/core/postgres/connection';
import { flagIndexes } from '../../src/core/postgres/health';
import { listIndexes } from '../../src/core/postgres/objects';
import { runMaintenance } from '../../src/core/postgres/runner';
import {
  buildBloatReport, buildCapacityReport, buildHealthReport, buildIndexReport, buildReport, CapacityStore, DEFAULT_REPORT_THRESHOLDS, fixScript, measureExactBloat,
  PG_STAT_STATEMENTS_GUIDE, renderCsv, renderHtml, renderJson, renderMarkdown, type Finding, type Report, type Section, takeCapacitySnapshot,
} from '../../src/core/postgres/reports/index';
import { pgProfile, services, uniqueName } from './services';
import { pgClient } from '../support/pg';

function section(report: Report, id: string): Section {
  const s = report.sections.find((x) => x.id === id);
  assert.ok(s, `section ${id}`);
  return s;
}
const row = (s: Section, key: string): Record<string, unknown> | undefined => s.rows.find((r) => r['_key'] === key);
const findingsIn = (report: Report, sectionId: string): Finding[] => report.findings.filter((f) => f.sectionId === sectionId);
const keysIn = (report: Report, sectionId: string): string[] => findingsIn(report, sectionId).map((f) => f.rowKey ?? '');

function client(database: string): Promise<Client> {
  return pgClient(services().postgres, database);
}

async function createDatabase(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  const c = await client(services().postgres.database);
  await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  await c.end();
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  const c = await client(services().postgres.database);
  await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
  await c.end();
}

/** PostgreSQL 15 flushes a backend's statistics when idle, up to 10 s later: ask for it now. */
async function flushStats(c: Client): Promise<void> {
  if ((services().postgres.versionNum ?? 0) >= 150000) await c.query('SELECT pg_stat_force_next_flush()');
  await c.query('SELECT 1');
}

async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('PostgreSQL reports (real server)', function () {
  this.timeout(120_000);
  let db: string;
  let admin: Client;
  let conn: PostgresConnection;

  before(async () => {
    db = await createDatabase('upkeep_rep');
    admin = await client(db);
    conn = new PostgresConnection(pgProfile({ database: db }), services().postgres.password);
  });

  after(async () => {
    await conn.dispose();
    await admin.end();
    await dropDatabase(db);
  });

  describe('health on a clean, fresh database', () => {
    it('stays quiet with the default thresholds', async () => {
      const clean = await createDatabase('upkeep_rep_clean');
      const c = new PostgresConnection(pgProfile({ database: clean }), services().postgres.password);
      try {
        const report = await buildHealthReport(c, clean, 'Test', {});
        assert.deepEqual(report.findings.map((f) => `${f.sectionId}: ${f.object}: ${f.message}`), []);
        for (const s of report.sections) assert.ok(!s.note?.startsWith('Could not read'), `${s.id}: ${s.note ?? ''}`);
        const statements = section(report, 'slow-queries');
        assert.equal(statements.rows.length, 0);
        assert.equal(statements.note, PG_STAT_STATEMENTS_GUIDE);
        assert.ok(!statements.note.includes('\n') && /shared_preload_libraries/.test(statements.note) && /CREATE EXTENSION pg_stat_statements/.test(statements.note));
        assert.equal(section(report, 'replication').rows.length, 0);
        assert.equal(report.kind, 'health');
        assert.equal(report.database, clean);
        assert.match(report.serverVersion, /^\d+/);
        const exact = await measureExactBloat(c, clean, { kind: 'table', schema: 'pg_catalog', name: 'pg_class' });
        assert.equal(exact.available, false);
        assert.match(exact.available ? '' : exact.reason, /pgstattuple extension is not installed/);
      } finally {
        await c.dispose();
        await dropDatabase(clean);
      }
    });
  });

  describe('bloat', () => {
    before(async () => {
      await admin.query(`CREATE EXTENSION pgstattuple;
        CREATE TABLE public.bloaty (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
        INSERT INTO public.bloaty SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g;
        DELETE FROM public.bloaty WHERE id % 2 = 0;
        ANALYZE public.bloaty;
        CREATE TABLE public.vacuumed (id int PRIMARY KEY, v text, n int) WITH (autovacuum_enabled = false);
        INSERT INTO public.vacuumed SELECT g, md5(g::text), CASE WHEN g % 3 = 0 THEN NULL ELSE g END FROM generate_series(1, 100000) g;
        DELETE FROM public.vacuumed WHERE id % 10 < 6;`);
      await admin.query('VACUUM (ANALYZE) public.vacuumed');
      await admin.query(`CREATE TABLE public."never analyzed" (id int, v text) WITH (autovacuum_enabled = false);
        INSERT INTO public."never analyzed" SELECT g, 'v' FROM generate_series(1, 5000) g;
        CREATE TABLE public.with_name (id int, n name) WITH (autovacuum_enabled = false);
        INSERT INTO public.with_name SELECT g, 'n' || g FROM generate_series(1, 5000) g;
        ANALYZE public.with_name;
        CREATE TABLE public."<img src=x onerror=alert(1)>" (id int);
        INSERT INTO public."<img src=x onerror=alert(1)>" SELECT generate_series(1, 100);
        ANALYZE public."<img src=x onerror=alert(1)>";`);
    });

    it('estimates table bloat within 15 points of pgstattuple, and offers VACUUM then VACUUM FULL', async () => {
      const report = await buildBloatReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, bloatMinBytes: 0 } });
      const tables = section(report, 'tables');
      for (const table of ['bloaty', 'vacuumed']) {
        const r = row(tables, `public.${table}`);
        assert.ok(r, table);
        assert.equal(r['reliable'], true);
        const exact = await admin.query<{ pct: number }>(`SELECT free_percent + dead_tuple_percent AS pct FROM pgstattuple('public.${table}')`);
        const estimated = Number(r['bloatPercent']);
        const measured = exact.rows[0]?.pct ?? NaN;
        console.log(`      ${table}: estimated ${estimated}% vs pgstattuple ${measured.toFixed(1)}% (${Number(r['estimatedExtraBytes'])} of ${Number(r['realBytes'])} bytes)`);
        assert.ok(Math.abs(estimated - measured) <= 15, `${table}: estimated ${estimated}% vs exact ${measured}%`);
        const viaExtension = await measureExactBloat(conn, db, { kind: 'table', schema: 'public', name: table });
        assert.ok(viaExtension.available);
        assert.ok(Math.abs(viaExtension.wastedPercent - measured) <= 5, `pgstattuple_approx ${viaExtension.wastedPercent}% vs pgstattuple ${measured}%`);
      }
      const f = report.findings.find((x) => x.sectionId === 'tables' && x.rowKey === 'public.bloaty');
      assert.ok(f, 'a finding for the bloated table');
      assert.equal(f.severity, 'warning');
      assert.deepEqual(f.fixes.map((op) => op.sql), ['VACUUM (ANALYZE) "public"."bloaty"', 'VACUUM (FULL, ANALYZE) "public"."bloaty"']);
      assert.deepEqual(f.fixes.map((op) => op.risk), ['safe', 'blocking']);
      assert.deepEqual(section(report, 'tables').chart, { kind: 'bar', title: 'Most wasted space (estimated)', x: 'name', y: ['estimatedExtraBytes'], limit: 10 });
      // With the default 10 MB minimum, these small tables are not findings.
      const defaults = await buildBloatReport(conn, db, 'Test', {});
      assert.equal(findingsIn(defaults, 'tables').length, 0);
    });

    it('estimates B-tree index bloat and suggests REINDEX CONCURRENTLY above 30%', async () => {
      const report = await buildBloatReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, bloatMinBytes: 0 } });
      const indexes = section(report, 'indexes');
      const r = row(indexes, 'public.vacuumed_pkey');
      assert.ok(r);
      assert.equal(r['table'], 'vacuumed');
      const exact = await measureExactBloat(conn, db, { kind: 'index', schema: 'public', name: 'vacuumed_pkey' });
      assert.ok(exact.available);
      console.log(`      vacuumed_pkey: estimated ${Number(r['bloatPercent'])}% vs pgstatindex ${exact.wastedPercent}%`);
      assert.ok(Math.abs(Number(r['bloatPercent']) - exact.wastedPercent) <= 15, `estimated ${Number(r['bloatPercent'])}% vs ${exact.wastedPercent}%`);
      const f = report.findings.find((x) => x.sectionId === 'indexes' && x.rowKey === 'public.vacuumed_pkey');
      assert.ok(f, 'REINDEX suggested');
      assert.deepEqual(f.fixes.map((op) => op.sql), ['REINDEX INDEX CONCURRENTLY "public"."vacuumed_pkey"']);
    });

    it('marks a never-analyzed table and a table with a name column "n/a", not guessed', async () => {
      const report = await buildBloatReport(conn, db, 'Test', {});
      const tables = section(report, 'tables');
      for (const [key, reason] of [['public.never analyzed', /never analyzed/], ['public.with_name', /type name/]] as const) {
        const r = row(tables, key);
        assert.ok(r, key);
        assert.equal(r['reliable'], false);
        assert.equal(r['bloatPercent'], null);
        assert.equal(r['estimatedExtraBytes'], null);
        assert.ok(Number(r['realBytes']) > 0);
        assert.match(String(r['reason']), reason);
      }
      assert.equal(report.findings.filter((f) => f.rowKey === 'public.never analyzed').length, 0);
    });

    it('renders a table named <img src=x onerror=alert(1)> as text in every export', async () => {
      const report = await buildBloatReport(conn, db, 'Test', {});
      assert.ok(row(section(report, 'tables'), 'public.<img src=x onerror=alert(1)>'), 'the fixture is in the report');
      const html = renderHtml(report);
      assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(!html.includes('<img'), 'no live element');
      assert.ok(!/(^|[^\\])<img/.test(renderMarkdown(report)));
      assert.ok(renderCsv(report).includes('<img src=x onerror=alert(1)>'), 'CSV keeps the name as it is');
      assert.equal((JSON.parse(renderJson(report)) as Report).sections[0]?.rows.length, section(report, 'tables').rows.length);
    });

    it('refuses an exact measure to a role without pgstattuple rights', async () => {
      const role = uniqueName('upkeep_norights').toLowerCase();
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD 'pw-norights'`);
      const c = new PostgresConnection(pgProfile({ database: db, user: role }), 'pw-norights');
      try {
        const exact = await measureExactBloat(c, db, { kind: 'table', schema: 'public', name: 'bloaty' });
        assert.equal(exact.available, false);
        assert.match(exact.available ? '' : exact.reason, /pg_stat_scan_tables/);
      } finally {
        await c.dispose();
        await admin.query(`DROP ROLE ${admin.escapeIdentifier(role)}`);
      }
    });
  });

  describe('indexes', () => {
    before(async () => {
      await admin.query(`CREATE SCHEMA ix;
        CREATE TABLE ix.t (id int PRIMARY KEY, a int, b int, c text UNIQUE);
        CREATE INDEX ix_a ON ix.t (a); CREATE INDEX ix_a_b ON ix.t (a, b); CREATE INDEX ix_c_again ON ix.t (c);
        CREATE TABLE ix.parent (id int PRIMARY KEY);
        CREATE TABLE ix.child (id int PRIMARY KEY, parent_id int REFERENCES ix.parent (id), other_id int REFERENCES ix.parent (id));
        CREATE INDEX child_other ON ix.child (other_id);
        CREATE TABLE ix.dupes (id int, code text); INSERT INTO ix.dupes SELECT g % 10, 'c' FROM generate_series(1, 100) g;
        CREATE TABLE ix.scanned (id int, v int); INSERT INTO ix.scanned SELECT g, g % 100 FROM generate_series(1, 20000) g;`);
      await admin.query('CREATE UNIQUE INDEX CONCURRENTLY dupes_id_uq ON ix.dupes (id)').then(() => assert.fail('should fail'), () => undefined);
      for (let i = 0; i < 3; i++) await admin.query('SELECT count(*) FROM ix.scanned WHERE v = $1', [i]);
      await flushStats(admin);
      await eventually('seq scans counted', async () => {
        const r = await conn.query<{ n: string }>(db, `SELECT coalesce(seq_scan, 0) AS n FROM pg_stat_user_tables WHERE relid = 'ix.scanned'::regclass`);
        return Number(r[0]?.n ?? 0) >= 3;
      });
    });

    it('finds unused, duplicate, invalid and probably-missing indexes; never a PK or unique one', async () => {
      const report = await buildIndexReport(conn, db, 'Test', {});
      const enforced = ['ix.t_pkey', 'ix.t_c_key', 'ix.parent_pkey', 'ix.child_pkey'];
      const unused = keysIn(report, 'unused');
      assert.ok(unused.includes('ix.ix_a') && unused.includes('ix.ix_c_again') && unused.includes('ix.child_other'), unused.join(', '));
      const dup = findingsIn(report, 'duplicates');
      assert.deepEqual(dup.map((f) => [f.rowKey, f.evidence['duplicateOf']]).sort(), [['ix.ix_a', 'ix_a_b'], ['ix.ix_c_again', 't_c_key']]);
      for (const key of enforced) {
        assert.ok(!unused.includes(key), `${key} never unused`);
        assert.ok(!dup.some((f) => f.rowKey === key), `${key} never redundant`);
      }
      assert.ok(section(report, 'unused').description?.includes('never reset') || section(report, 'unused').description?.includes('last reset'));
      const drop = findingsIn(report, 'duplicates').find((f) => f.rowKey === 'ix.ix_a');
      assert.equal(drop?.fixes[0]?.sql, 'DROP INDEX CONCURRENTLY IF EXISTS "ix"."ix_a"');

      const invalid = findingsIn(report, 'invalid');
      assert.deepEqual(invalid.map((f) => f.rowKey), ['ix.dupes_id_uq']);
      assert.deepEqual(invalid[0]?.fixes.map((op) => op.sql), ['DROP INDEX CONCURRENTLY IF EXISTS "ix"."dupes_id_uq"', 'REINDEX INDEX CONCURRENTLY "ix"."dupes_id_uq"']);
      assert.ok(!keysIn(report, 'unused').includes('ix.dupes_id_uq'), 'an invalid index is reported as invalid, not unused');

      // (The bloat fixtures qualify too: pgstattuple and the inserts read them sequentially.)
      const missing = keysIn(report, 'missing');
      assert.ok(missing.includes('ix.scanned'), missing.join(', '));
      assert.ok(!missing.some((k) => k.startsWith('ix.') && k !== 'ix.scanned'), 'small tables are not listed');
      assert.ok(Number(row(section(report, 'missing'), 'ix.scanned')?.['seqScans']) >= 3);
      assert.ok(row(section(report, 'usage'), 'ix.ix_a_b'), 'usage lists every index');

      const bigOnly = await buildIndexReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, unusedIndexMinBytes: 1024 * 1024 * 1024 } });
      assert.deepEqual(keysIn(bigOnly, 'unused'), [], 'the size threshold applies');
    });

    it('finds a foreign key without an index and builds the index that fixes it', async () => {
      const report = await buildIndexReport(conn, db, 'Test', {});
      const fks = findingsIn(report, 'foreign-keys');
      assert.deepEqual(fks.map((f) => f.rowKey), ['ix.child.child_parent_id_fkey'], 'other_id has an index');
      const fix = fks[0]?.fixes[0];
      assert.ok(fix);
      assert.equal(fix.sql, 'CREATE INDEX CONCURRENTLY "child_parent_id_fk_idx" ON "ix"."child" ("parent_id")');
      assert.match(fixScript(fks, 'Test', db), /^CREATE INDEX CONCURRENTLY "child_parent_id_fk_idx" ON "ix"."child" \("parent_id"\);$/m);
      const outcome = await runMaintenance(conn, fix);
      assert.equal(outcome.status, 'done', JSON.stringify(outcome.problem));
      const after = await buildIndexReport(conn, db, 'Test', {});
      assert.deepEqual(findingsIn(after, 'foreign-keys'), []);
    });
    it('judges duplicates on method, operator class, collation, order, predicate, expressions, INCLUDE and uniqueness — the tree and the report alike', async () => {
      const t = 'red."Orders Ω"';
      await admin.query(`CREATE SCHEMA red;
        CREATE TABLE ${t} (a int, b int, c text, d int, e int, h int, p int, u int, v int, CONSTRAINT v_key UNIQUE (v));
        INSERT INTO ${t} SELECT g, g, 'abc' || g, g, g, g, g, g, g FROM generate_series(1, 500) g;
        CREATE INDEX c_plain ON ${t} (c);
        CREATE INDEX c_pattern ON ${t} (c text_pattern_ops);
        CREATE INDEX c_collate_c ON ${t} (c COLLATE "C");
        CREATE INDEX d_asc ON ${t} (d);
        CREATE INDEX d_desc ON ${t} (d DESC);
        CREATE INDEX d_desc_nulls_last ON ${t} (d DESC NULLS LAST);
        CREATE INDEX ab ON ${t} (a, b);
        CREATE INDEX a_b_desc ON ${t} (a, b DESC);
        CREATE INDEX ab_desc ON ${t} (a DESC, b DESC);
        CREATE INDEX a_only ON ${t} (a);
        CREATE INDEX p_gt0 ON ${t} (p) WHERE p > 0;
        CREATE INDEX p_gt1 ON ${t} (p) WHERE p > 1;
        CREATE INDEX p_gt0_again ON ${t}   (p)   WHERE    (p>0);
        CREATE INDEX lower_c ON ${t} (lower(c));
        CREATE INDEX upper_c ON ${t} (upper(c));
        CREATE INDEX lower_c_again ON ${t} ((lower(c)));
        CREATE INDEX e_inc_h ON ${t} (e) INCLUDE (h);
        CREATE INDEX e_only ON ${t} (e);
        CREATE INDEX h_hash ON ${t} USING hash (h);
        CREATE INDEX h_btree ON ${t} (h);
        CREATE UNIQUE INDEX u_unique ON ${t} (u);
        CREATE INDEX u_plain ON ${t} (u);
        CREATE UNIQUE INDEX v_unique_again ON ${t} (v);
        ANALYZE ${t};`);
      try {
        const expected = {
          d_desc: 'd_asc', // DESC (NULLS FIRST) is (d) read backward
          ab_desc: 'ab', // (a DESC, b DESC) is (a, b) read backward
          a_only: 'a_b_desc', // a leading key of three indexes: one that stays is named
          p_gt0_again: 'p_gt0', // the same predicate, written otherwise
          lower_c_again: 'lower_c',
          e_only: 'e_inc_h',
          u_plain: 'u_unique', // a unique index makes a plain one redundant…
          v_unique_again: 'v_key', // …and a constraint's index is the one kept
        };
        // The tree: one table's indexes.
        const tree: Record<string, string> = {};
        for (const [name, f] of flagIndexes(await listIndexes(conn, db, 'red', 'Orders Ω'))) if (f.duplicateOf) tree[name] = f.duplicateOf;
        assert.deepEqual(tree, expected);
        // The report: the whole database, the same judgement.
        const report = await buildIndexReport(conn, db, 'Test', {});
        const fromReport: Record<string, unknown> = {};
        for (const f of findingsIn(report, 'duplicates')) if (f.rowKey?.startsWith('red.')) fromReport[f.rowKey.slice(4)] = f.evidence['duplicateOf'];
        assert.deepEqual(fromReport, expected);
        const drop = findingsIn(report, 'duplicates').find((f) => f.rowKey === 'red.d_desc')?.fixes[0];
        assert.equal(drop?.sql, 'DROP INDEX CONCURRENTLY IF EXISTS "red"."d_desc"');
        // Why text_pattern_ops must stay: in this database's collation (C.UTF-8, not C) only it serves a prefix LIKE.
        const prefixPlan = async (): Promise<string> => (await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT * FROM ${t} WHERE c LIKE 'abc1%'`)).rows.map((x) => x['QUERY PLAN']).join('\n');
        await admin.query('BEGIN');
        try {
          await admin.query('SET LOCAL enable_seqscan = off');
          assert.match(await prefixPlan(), /Index Scan on (c_pattern|c_collate_c)\b/);
          await admin.query('DROP INDEX red.c_pattern, red.c_collate_c');
          const without = await prefixPlan();
          assert.ok(!/Index Cond/.test(without), `without them no index serves it, c_plain included:\n${without}`);
        } finally {
          await admin.query('ROLLBACK');
        }
      } finally {
        await admin.query('DROP SCHEMA red CASCADE');
      }
    });
  });

  describe('health fixtures', () => {
    let idle: Client;
    let busy: Client;
    let busyPid: number;
    let sleeping: Promise<unknown>;
    const slot = uniqueName('upkeep_slot').toLowerCase();

    before(async () => {
      await admin.query(`CREATE EXTENSION pg_stat_statements;
        CREATE SEQUENCE public.small_seq AS smallint;
        CREATE TABLE public.capped (id int);
        CREATE SEQUENCE public.big_seq OWNED BY public.capped.id;
        CREATE TABLE public.dead_t (id int, v text) WITH (autovacuum_enabled = false);
        INSERT INTO public.dead_t SELECT g, 'v' FROM generate_series(1, 1000) g;
        DELETE FROM public.dead_t WHERE id <= 600;`);
      await admin.query(`SELECT setval('public.small_seq', 32000), setval('public.big_seq', 2000000000)`);
      await admin.query('SELECT pg_create_physical_replication_slot($1)', [slot]);
      for (let i = 0; i < 5; i++) await admin.query('SELECT count(*) FROM public.dead_t WHERE id > $1', [i]);
      await flushStats(admin);
      idle = await client(db);
      await idle.query('BEGIN');
      await idle.query('SELECT 1');
      busy = await client(db);
      busyPid = (await busy.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      sleeping = busy.query('SELECT pg_sleep(60)').then(() => 'finished', (err: { code?: string }) => err.code);
      await eventually('dead tuples counted', async () => {
        const r = await conn.query<{ n: string }>(db, `SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relid = 'public.dead_t'::regclass`);
        return Number(r[0]?.n ?? 0) >= 600;
      });
      await sleep(1_500);
    });

    after(async () => {
      await idle.query('ROLLBACK').catch(() => undefined);
      await idle.end();
      await admin.query('SELECT pg_cancel_backend($1)', [busyPid]);
      await sleeping;
      await busy.end();
      await admin.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    });

    it('each check fires on its fixture', async () => {
      const report = await buildHealthReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, longQuerySeconds: 1, wraparoundWarnAge: 1 } });
      for (const s of report.sections) assert.ok(!s.note?.startsWith('Could not read'), `${s.id}: ${s.note ?? ''}`);

      const idlePid = (idle as unknown as { processID: number }).processID;
      const idleFinding = findingsIn(report, 'idle-in-transaction').find((f) => f.rowKey === String(idlePid));
      assert.ok(idleFinding, 'idle in transaction');
      assert.equal(idleFinding.fixes[0]?.kind, 'terminate-backend');

      const long = findingsIn(report, 'long-queries').find((f) => f.rowKey === String(busyPid));
      assert.ok(long, 'long-running query');
      assert.equal(long.fixes[0]?.sql, 'SELECT pg_cancel_backend($1) AS signalled');
      assert.deepEqual(long.fixes[0]?.params, [busyPid]);
      assert.match(String(long.evidence['query']), /pg_sleep/);

      const seqs = findingsIn(report, 'sequences');
      assert.ok(seqs.some((f) => f.rowKey === 'public.small_seq'), 'smallint sequence near 32767');
      const capped = seqs.find((f) => f.rowKey === 'public.big_seq');
      assert.ok(capped, 'a bigint sequence feeding an int column is capped by the column');
      assert.match(capped.message, /capped\.id, integer/);

      const dead = findingsIn(report, 'dead-tuples').find((f) => f.rowKey === 'public.dead_t');
      assert.ok(dead, 'dead tuples');
      assert.equal(dead.fixes[0]?.sql, 'VACUUM (ANALYZE) "public"."dead_t"');

      const dbAge = findingsIn(report, 'wraparound-databases').find((f) => f.rowKey === db);
      assert.ok(dbAge, 'database wraparound age');
      // Not a database-wide VACUUM (FREEZE): the oldest tables first, oldest first, as the tables section lists them.
      const oldest = section(report, 'wraparound-tables').rows.slice(0, 3).map((r) => `VACUUM (FREEZE) ${[r['schema'], r['name']].map((n) => `"${String(n).replace(/"/g, '""')}"`).join('.')}`);
      assert.deepEqual(dbAge.fixes.map((op) => op.sql), oldest);
      assert.ok(dbAge.fixes.every((op) => op.target.kind === 'table' && op.target.database === db));
      assert.match(dbAge.message, /VACUUM \(FREEZE\) its oldest tables first/);
      const ages = section(report, 'wraparound-tables').rows.map((r) => Number(r['age']));
      assert.deepEqual(ages, [...ages].sort((a, b) => b - a), 'oldest first');
      assert.ok(ages.every((a) => Number.isInteger(a) && a > 0), 'real ages from the catalog');
      assert.ok(section(report, 'wraparound-tables').rows.every((r) => Number.isInteger(r['mxidAge'])), 'multixact ages too');
      const first = section(report, 'wraparound-tables').rows[0];
      const tableAge = findingsIn(report, 'wraparound-tables').find((f) => f.rowKey === first?.['_key']);
      assert.equal(tableAge?.fixes[0]?.sql, oldest[0], 'each old table offers its own VACUUM (FREEZE)');

      assert.deepEqual(keysIn(report, 'replication-slots'), [slot]);
      assert.deepEqual(findingsIn(report, 'replication'), [], 'no replicas here');

      const statements = section(report, 'slow-queries');
      assert.equal(statements.note, undefined);
      assert.ok(statements.rows.length > 0, 'pg_stat_statements rows');
      assert.ok(statements.rows.some((r) => /dead_t/.test(String(r['query']))));

      assert.deepEqual(findingsIn(report, 'cache-hit'), [], 'the cache hit ratio is fine by default');
      const strict = await buildHealthReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, cacheHitMin: 101 } });
      assert.deepEqual(keysIn(strict, 'cache-hit').sort(), ['indexes', 'tables']);
    });

    it('wraparound levels come from the server\'s own autovacuum_freeze_max_age settings', async () => {
      const settings = await admin.query<{ xid: string; mxid: string }>(`SELECT current_setting('autovacuum_freeze_max_age') AS xid, current_setting('autovacuum_multixact_freeze_max_age') AS mxid`);
      const xid = Number(settings.rows[0]?.xid);
      const mxid = Number(settings.rows[0]?.mxid);
      const report = await buildHealthReport(conn, db, 'Test', {});
      const description = section(report, 'wraparound-databases').description ?? '';
      assert.ok(description.includes(`(${xid.toLocaleString('en-US')} here)`), description);
      assert.ok(description.includes(`warning from ${Math.min(2 * xid, 1_300_000_000).toLocaleString('en-US')}`), description);
      assert.ok(description.includes(`warning from ${Math.min(2 * mxid, 1_300_000_000).toLocaleString('en-US')}`), description);
      // Every database's real age is judged against those levels: on this young cluster, none is old enough.
      const rows = section(report, 'wraparound-databases').rows;
      assert.ok(rows.some((r) => r['database'] === db && Number(r['age']) > 0 && Number.isInteger(r['mxidAge'])));
      assert.deepEqual(findingsIn(report, 'wraparound-databases'), []);
      // Just above a database's real age, and just below it (an override stands in for an old database).
      const age = Number(row(section(report, 'wraparound-databases'), db)?.['age']);
      const at = await buildHealthReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, wraparoundWarnAge: age } });
      assert.ok(findingsIn(at, 'wraparound-databases').some((f) => f.rowKey === db));
      const above = await buildHealthReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, wraparoundWarnAge: age + 1_000_000 } });
      assert.ok(!findingsIn(above, 'wraparound-databases').some((f) => f.rowKey === db));
    });

    it('dead tuples honour upkeep.health.minDeadTuples (600 dead rows here)', async () => {
      const dead = async (minDeadTuples: number): Promise<boolean> =>
        keysIn(await buildHealthReport(conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, minDeadTuples } }), 'dead-tuples').includes('public.dead_t');
      assert.equal(await dead(600), true);
      assert.equal(await dead(601), false);
    });

    it('the Cancel fix of a long query stops it on the server', async () => {
      const report = await buildReport('health', conn, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, longQuerySeconds: 1 } });
      const cancel = findingsIn(report, 'long-queries').find((f) => f.rowKey === String(busyPid))?.fixes[0];
      assert.ok(cancel);
      assert.equal((await runMaintenance(conn, cancel)).status, 'done');
      assert.equal(await sleeping, '57014', 'the sleeping query was cancelled');
    });

    it('a cancelled report stops between queries', async () => {
      const abort = new AbortController();
      abort.abort();
      await assert.rejects(buildHealthReport(conn, db, 'Test', { signal: abort.signal }), { name: 'AbortError' });
    });
  });

  describe('a table someone holds in ACCESS EXCLUSIVE mode (as VACUUM FULL or ALTER TABLE would)', () => {
    let locker: Client;
    let lockerPid: number;
    let locked: PostgresConnection;

    before(async () => {
      await admin.query(`CREATE SCHEMA lk;
        CREATE TABLE lk.open_t (id int PRIMARY KEY, v text, ref int);
        CREATE TABLE lk."held ""t""" (id int PRIMARY KEY, v text, ref int REFERENCES lk.open_t (id));
        CREATE INDEX held_v ON lk."held ""t""" (v);
        INSERT INTO lk.open_t SELECT g, md5(g::text), g FROM generate_series(1, 20000) g;
        INSERT INTO lk."held ""t""" SELECT g, md5(g::text), g FROM generate_series(1, 20000) g;
        ANALYZE lk.open_t; ANALYZE lk."held ""t""";`);
      for (let i = 0; i < 3; i++) await admin.query('SELECT count(*) FROM lk."held ""t""" WHERE v = $1', [String(i)]);
      await flushStats(admin);
      locker = await client(db);
      lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE lk."held ""t""" IN ACCESS EXCLUSIVE MODE');
      // Freeze every other table (the locked one is skipped), so the locked one is the oldest the health report lists.
      await admin.query('VACUUM (FREEZE, SKIP_LOCKED)');
      // The panel's limit is 3 s; a short one here: anything that still waited for the lock would fail the report.
      locked = new PostgresConnection(pgProfile({ database: db }), services().postgres.password, { lockTimeoutMs: 500, statementTimeoutMs: 60_000 });
    });

    after(async () => {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await locked.dispose();
      await admin.query('DROP SCHEMA lk CASCADE');
    });

    /** The note naming the locked table, its holder and what it could not read. */
    function lockNoteOf(report: Report, sectionId: string): string {
      const note = section(report, sectionId).note ?? '';
      assert.ok(note.includes('lk."held ""t"""'), `${sectionId} names the locked table: ${note}`);
      assert.ok(note.includes(`ACCESS EXCLUSIVE held by backend ${lockerPid}`), `${sectionId} names the holder: ${note}`);
      assert.match(note, /since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      assert.ok(note.includes('LOCK TABLE lk."held ""t""" IN ACCESS EXCLUSIVE MODE'), `${sectionId} shows the holder's statement: ${note}`);
      return note;
    }

    it('bloat: completes, measures the other table, names the locked one as not measured and why', async () => {
      const report = await buildBloatReport(locked, db, 'Test', {});
      const open = row(section(report, 'tables'), 'lk.open_t');
      assert.equal(open?.['reliable'], true, 'the other table is estimated as usual');
      const held = row(section(report, 'tables'), 'lk.held "t"');
      assert.ok(held, 'the locked table is listed');
      assert.equal(held['bloatPercent'], null);
      assert.match(String(held['reason']), /locked/);
      assert.ok(Number(held['realBytes']) > 0, 'its size, from pg_class');
      assert.match(lockNoteOf(report, 'tables'), /not measured/);
      assert.ok(row(section(report, 'indexes'), 'lk.held_v'), 'its indexes (not locked themselves) are still estimated');
    });

    it('index usage: completes, judges every index, names the locked table\'s unread definitions and estimated sizes', async () => {
      const report = await buildIndexReport(locked, db, 'Test', {});
      const usage = section(report, 'usage');
      assert.ok(row(usage, 'lk.open_t_pkey'), 'the other table');
      assert.match(String(row(usage, 'lk.open_t_pkey')?.['definition']), /CREATE UNIQUE INDEX/);
      const heldIx = row(usage, 'lk.held_v');
      assert.ok(heldIx, 'the locked table\'s index is listed');
      assert.equal(heldIx['definition'], null, 'its definition is not read (pg_get_indexdef would wait)');
      assert.match(lockNoteOf(report, 'usage'), /definitions were not read/);
      const fk = findingsIn(report, 'foreign-keys').find((f) => f.rowKey === 'lk.held "t".held "t"_ref_fkey');
      assert.ok(fk, 'its unindexed foreign key is still found');
      lockNoteOf(report, 'foreign-keys');
    });

    it('capacity: completes, lists the locked table with an estimate it does not store, names it', async () => {
      const report = await buildCapacityReport(locked, db, 'Test', { history: [] });
      const tables = section(report, 'tables');
      assert.ok(row(tables, 'lk.open_t'), 'the other table');
      const held = row(tables, 'lk.held "t"');
      assert.ok(held && Number(held['totalBytes']) > 0, 'the locked table, sized from pg_class');
      assert.equal(held['growth'], null);
      assert.match(lockNoteOf(report, 'tables'), /not measured: the estimate from pg_class shows no growth and is not stored/);
      const snapshot = await takeCapacitySnapshot(locked, db);
      assert.ok(snapshot.tables.some((t) => t.key === 'lk.open_t'));
      assert.ok(!snapshot.tables.some((t) => t.key === 'lk.held "t"'), 'an estimate is not stored as a measurement');
    });

    it('health: every check reads; the oldest tables list the locked one first, sized without waiting, and name it', async () => {
      const report = await buildHealthReport(locked, db, 'Test', { thresholds: { ...DEFAULT_REPORT_THRESHOLDS, wraparoundWarnAge: 1 } });
      for (const s of report.sections) assert.ok(!s.note?.startsWith('Could not read'), `${s.id}: ${s.note ?? ''}`);
      const oldest = section(report, 'wraparound-tables');
      assert.equal(oldest.rows[0]?.['_key'], 'lk.held "t"', 'the one table VACUUM (FREEZE) skipped');
      assert.ok(Number(oldest.rows[0]?.['sizeBytes']) > 0, 'sized from pg_class');
      assert.ok(oldest.rows.some((r) => r['_key'] === 'lk.open_t'), 'the others are listed too');
      assert.match(lockNoteOf(report, 'wraparound-tables'), /the size is an estimate from pg_class/);
      const dbFinding = findingsIn(report, 'wraparound-databases').find((f) => f.rowKey === db);
      assert.equal(dbFinding?.fixes[0]?.sql, 'VACUUM (FREEZE) "lk"."held ""t"""', 'the oldest table is the first to freeze');
    });
  });

  describe('capacity', () => {
    it('two snapshots show growth, and the store round-trips them', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-capacity-'));
      try {
        await admin.query('CREATE TABLE public.growing (id int, v text)');
        const first = await takeCapacitySnapshot(conn, db, new Date(Date.now() - 7 * 86_400_000));
        await admin.query(`INSERT INTO public.growing SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 20000) g`);
        const second = await takeCapacitySnapshot(conn, db);
        assert.equal(first.database, db);
        assert.ok(first.databases.some((d) => d.name === db));
        assert.ok(second.tables.some((t) => t.key === 'public.growing' && t.bytes > 1_000_000));

        const store = new CapacityStore(dir);
        const id = uniqueName('conn');
        await store.append(id, first);
        await store.append(id, second);
        assert.deepEqual(await store.read(id), [first, second]);

        const report = await buildCapacityReport(conn, db, 'Test', { history: [first], current: second });
        const dbRow = row(section(report, 'databases'), db);
        assert.ok(Number(dbRow?.['growth']) > 1_000_000, `database growth ${String(dbRow?.['growth'])}`);
        assert.equal(dbRow?.['since'], first.at);
        const tRow = row(section(report, 'tables'), 'public.growing');
        assert.ok(tRow, 'the growing table is among the largest');
        const growth = section(report, 'growth');
        assert.equal(growth.chart?.kind, 'line');
        assert.deepEqual(growth.rows.map((r) => r['at']), [first.at, second.at]);
        assert.ok(Number(growth.rows[1]?.[`db:${db}`]) > Number(growth.rows[0]?.[`db:${db}`]));
        assert.equal(section(report, 'table-growth').chart?.kind, 'line');

        // Through the dispatcher, as the panel runs it: each run stores its snapshot.
        const viaStore = await buildReport('capacity', conn, db, 'Test', { capacity: store, connectionId: id });
        assert.equal((await store.read(id)).length, 3);
        assert.equal(section(viaStore, 'growth').rows.length, 3);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
