import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { featuresFor } from '../../src/core/postgres/features';
import {
  buildAnalyze, buildCancelBackend, buildCheckpoint, buildCluster, buildCreateIndexConcurrently, buildDropIndexConcurrently, buildReindex, buildTerminateBackend, buildVacuum,
  UnsupportedOptionError, vacuumOptionsSupported,
} from '../../src/core/postgres/maintenance';
import { assessTable, flagIndexes } from '../../src/core/postgres/health';
import { readProgress } from '../../src/core/postgres/progress';
import { highestRisk } from '../../src/core/operations/operation';
import { describeLeftovers, leftoverDrops, mayLeaveInvalidIndex } from '../../src/core/postgres/leftovers';
import { describeConnectionError, type ErrorDuring } from '../../src/core/connections/errors';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { HistoryStore, historyToMarkdown } from '../../src/core/history/historyStore';
import { formatAge, formatBytes, formatDuration } from '../../src/core/format';
import type { PgTable } from '../../src/core/postgres/catalog';
import type { PgIndex } from '../../src/core/postgres/objects';

const pg15 = featuresFor(150004);
const pg11 = featuresFor(110022);
const table = { kind: 'table' as const, database: 'app', schema: 'Sales Ω', name: 'Order "Lines"; DROP' };

describe('maintenance operations', () => {
  it('builds VACUUM with options, escaped names, lock and risk', () => {
    const op = buildVacuum(table, { analyze: true, verbose: true, skipLocked: true, parallel: 2 }, pg15);
    assert.equal(op.sql, 'VACUUM (VERBOSE, ANALYZE, SKIP_LOCKED, PARALLEL 2) "Sales Ω"."Order ""Lines""; DROP"');
    assert.equal(op.lock.level, 'SHARE UPDATE EXCLUSIVE');
    assert.equal(op.risk, 'safe');
    assert.equal(op.progress, 'vacuum');
    assert.equal(op.autocommit, true);
  });

  it('VACUUM FULL is blocking, takes ACCESS EXCLUSIVE and reports through the cluster view', () => {
    const op = buildVacuum(table, { full: true }, pg15);
    assert.equal(op.risk, 'blocking');
    assert.equal(op.lock.level, 'ACCESS EXCLUSIVE');
    assert.equal(op.progress, 'cluster');
    assert.throws(() => buildVacuum(table, { full: true, parallel: 2 }, pg15), UnsupportedOptionError);
  });

  it('a database-wide VACUUM names no table', () => {
    assert.equal(buildVacuum({ kind: 'database', database: 'app' }, {}, pg15).sql, 'VACUUM');
  });

  it('hides and refuses what an older server lacks', () => {
    assert.deepEqual(vacuumOptionsSupported(pg11), ['full', 'freeze', 'analyze', 'verbose', 'disablePageSkipping']);
    assert.throws(() => buildVacuum(table, { parallel: 2 }, pg11), /no VACUUM option PARALLEL/);
    assert.throws(() => buildVacuum(table, { skipLocked: true }, pg11), UnsupportedOptionError);
    assert.throws(() => buildReindex(table, { concurrently: true }, pg11), /needs PostgreSQL 12/);
    assert.throws(() => buildVacuum(table, { indexCleanup: 'auto' }, featuresFor(130000)), /needs PostgreSQL 14/);
  });

  it('REINDEX: CONCURRENTLY of an index or table is safe; plain is blocking with ACCESS EXCLUSIVE on the index, which practically every query waits for', () => {
    const ixTarget = { kind: 'index' as const, database: 'app', schema: 's', name: 'ix', table: 't' };
    const conc = buildReindex(ixTarget, { concurrently: true }, pg15);
    assert.equal(conc.sql, 'REINDEX INDEX CONCURRENTLY "s"."ix"');
    assert.equal(conc.risk, 'safe');
    assert.equal(conc.lock.level, 'SHARE UPDATE EXCLUSIVE');
    assert.match(conc.impact, /reads and writes continue/);
    assert.equal(buildReindex(table, { concurrently: true }, pg15).risk, 'safe');
    // Plain REINDEX: SHARE on the table, ACCESS EXCLUSIVE on the index; the planner locks every index of a table.
    for (const target of [ixTarget, table]) {
      const plain = buildReindex(target, {}, pg15);
      assert.equal(plain.risk, 'blocking');
      assert.equal(plain.lock.level, 'ACCESS EXCLUSIVE', target.kind);
      assert.equal(plain.lockLevel, 'ACCESS EXCLUSIVE');
      assert.match(plain.impact, /SHARE on (its|the) table/);
      assert.match(plain.impact, /every query on (the table|it) waits too, reads included/);
      assert.doesNotMatch(plain.impact, /reads continue/);
    }
    const schema = buildReindex({ kind: 'schema', database: 'app', schema: 'my schema' }, {}, pg15);
    assert.equal(schema.sql, 'REINDEX SCHEMA "my schema"');
    assert.equal(schema.risk, 'blocking');
    assert.equal(schema.lock.level, 'ACCESS EXCLUSIVE');
    assert.match(schema.impact, /table by table/);
    assert.equal(buildReindex({ kind: 'database', database: 'app' }, { concurrently: true }, pg15).sql, 'REINDEX DATABASE CONCURRENTLY "app"');
  });

  it('heavy work is labelled heavy: CHECKPOINT, a whole database or schema (CONCURRENTLY included), VACUUM (FREEZE) of a database', () => {
    const db = { kind: 'database' as const, database: 'app' };
    const schema = { kind: 'schema' as const, database: 'app', schema: 's' };
    const checkpoint = buildCheckpoint('app');
    assert.equal(checkpoint.risk, 'heavy');
    assert.match(checkpoint.impact, /I\/O burst/);
    assert.equal(buildVacuum(db, {}, pg15).risk, 'heavy');
    assert.equal(buildVacuum(db, { analyze: true }, pg15).risk, 'heavy');
    assert.equal(buildVacuum(db, { freeze: true }, pg15).risk, 'heavy');
    assert.match(buildVacuum(db, { freeze: true }, pg15).impact, /every table of the database/);
    assert.equal(buildAnalyze(db).risk, 'heavy');
    assert.equal(buildReindex(db, { concurrently: true }, pg15).risk, 'heavy');
    assert.equal(buildReindex(schema, { concurrently: true }, pg15).risk, 'heavy');
    // Worse than heavy stays worse; one table stays safe.
    assert.equal(buildVacuum(db, { full: true }, pg15).risk, 'blocking');
    assert.equal(buildReindex(db, {}, pg15).risk, 'blocking');
    assert.equal(buildVacuum(table, { freeze: true }, pg15).risk, 'safe');
    assert.equal(buildAnalyze(table).risk, 'safe');
    // A schema's batch of safe per-table ops is heavy through the flow's batch risk.
    assert.equal(highestRisk([buildVacuum(table, {}, pg15), { risk: 'heavy' }]), 'heavy');
  });

  it('the CONCURRENTLY forms are marked, so they run under their own lock wait', () => {
    const ix = { kind: 'index' as const, database: 'a', schema: 's', name: 'ix', table: 't' };
    assert.equal(buildCreateIndexConcurrently('a', { schema: 's', table: 't', name: 'ix', columns: ['c'] }).concurrently, true);
    assert.equal(buildDropIndexConcurrently(ix).concurrently, true);
    assert.equal(buildReindex(ix, { concurrently: true }, pg15).concurrently, true);
    assert.equal(buildReindex(ix, {}, pg15).concurrently, undefined);
    assert.equal(buildVacuum(table, {}, pg15).concurrently, undefined);
  });

  it('CLUSTER, CREATE/DROP INDEX CONCURRENTLY, ANALYZE and backend signals', () => {
    assert.equal(buildCluster({ kind: 'table', database: 'a', schema: 's', name: 't' }, 't_pkey').sql, 'CLUSTER "s"."t" USING "t_pkey"');
    assert.equal(buildCreateIndexConcurrently('a', { schema: 's', table: 't', name: 'ix', columns: ['a b', 'c'], unique: true }).sql, 'CREATE UNIQUE INDEX CONCURRENTLY "ix" ON "s"."t" ("a b", "c")');
    const drop = buildDropIndexConcurrently({ kind: 'index', database: 'a', schema: 's', name: 'ix' });
    assert.equal(drop.sql, 'DROP INDEX CONCURRENTLY IF EXISTS "s"."ix"');
    assert.equal(drop.risk, 'destructive');
    assert.equal(buildAnalyze({ kind: 'table', database: 'a', schema: 's', name: 't' }).sql, 'ANALYZE "s"."t"');
    const cancel = buildCancelBackend('a', 4242);
    assert.deepEqual([cancel.sql, cancel.params], ['SELECT pg_cancel_backend($1) AS signalled', [4242]]);
    assert.equal(buildTerminateBackend('a', 1).risk, 'destructive');
  });
});

describe('what a failed CONCURRENTLY build leaves', () => {
  it('names the invalid index and offers its DROP INDEX CONCURRENTLY', () => {
    const create = buildCreateIndexConcurrently('a', { schema: 'Sales Ω', table: 'Order Lines', name: 'ix "odd"', columns: ['c'] });
    assert.equal(mayLeaveInvalidIndex(create), true);
    const left = [{ schema: 'Sales Ω', name: 'ix "odd"', table: 'Order Lines' }];
    assert.match(describeLeftovers(create, left) ?? '', /^It left the invalid index "Sales Ω"\."ix ""odd""" behind: queries never use it, but every write to "Sales Ω"\."Order Lines" still updates it/);
    const [drop] = leftoverDrops('a', left);
    assert.equal(drop?.sql, 'DROP INDEX CONCURRENTLY IF EXISTS "Sales Ω"."ix ""odd"""');
    assert.equal(describeLeftovers(create, []), undefined);
  });

  it('after REINDEX CONCURRENTLY, says the original index is still in use when _ccnew is left', () => {
    const op = buildReindex({ kind: 'index', database: 'a', schema: 'public', name: 'ix', table: 't' }, { concurrently: true }, pg15);
    assert.equal(mayLeaveInvalidIndex(op), true);
    assert.match(describeLeftovers(op, [{ schema: 'public', name: 'ix_ccnew', table: 't' }]) ?? '', /invalid index public\.ix_ccnew behind.*The original index is still the one in use\./);
    assert.doesNotMatch(describeLeftovers(op, [{ schema: 'public', name: 'ix_ccold', table: 't' }]) ?? '', /original/);
    assert.equal(mayLeaveInvalidIndex(buildReindex(table, {}, pg15)), false, 'plain REINDEX rolls back whole');
    assert.equal(mayLeaveInvalidIndex(buildDropIndexConcurrently({ kind: 'index', database: 'a', schema: 's', name: 'ix' })), false);
  });
});

describe('lock-timeout messages name what gave up', () => {
  const pg: ConnectionProfile = { id: 'p', engine: 'postgres', name: 'PG', host: 'db', port: 5432, database: 'app', user: 'u', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000 };
  const lockTimeout = Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
  const message = (during?: ErrorDuring): string => {
    const p = describeConnectionError(pg, lockTimeout, [], during);
    assert.equal(p.kind, 'lock-timeout');
    return p.message;
  };

  it('a catalog read, a maintenance statement, a CONCURRENTLY one, a statement from a file', () => {
    assert.match(message('catalog'), /^A catalog read waited longer than its lock_timeout \(upkeep\.catalog\.lockTimeoutMs\)/);
    assert.match(message('maintenance'), /^The maintenance statement waited longer than its lock_timeout \(upkeep\.maintenance\.lockTimeoutMs\)/);
    assert.match(message('concurrent-maintenance'), /upkeep\.maintenance\.concurrentLockTimeoutMs/);
    assert.match(message('statement'), /^A statement from a file waited longer than its lock_timeout \(upkeep\.query\.lockTimeoutMs\)/);
    assert.doesNotMatch(message(), /catalog read|maintenance statement|from a file/, 'without a context it names none');
  });

  it('NOWAIT is not a timeout: the server\'s words stay', () => {
    const nowait = Object.assign(new Error('could not obtain lock on row in relation "t"'), { code: '55P03' });
    const p = describeConnectionError(pg, nowait, [], 'statement');
    assert.equal(p.kind, 'lock-timeout');
    assert.match(p.message, /^could not obtain lock on row in relation "t": .*NOWAIT/);
  });
});

function t(over: Partial<PgTable>): PgTable {
  return {
    schema: 'public', name: 't', kind: 'table', estimatedRows: 100, totalBytes: 8192, sizeEstimated: false, liveTuples: 100, deadTuples: 0, modifiedSinceAnalyze: 0,
    lastVacuum: null, lastAutovacuum: null, lastAnalyze: new Date(), lastAutoanalyze: null, ...over,
  };
}

describe('table health', () => {
  it('warns above the dead-tuple threshold, not at or below it', () => {
    assert.equal(assessTable(t({ liveTuples: 70, deadTuples: 30 }), { deadTuplePercent: 20, minDeadTuples: 10 }).warnings.length, 1);
    assert.equal(assessTable(t({ liveTuples: 80, deadTuples: 20 }), { deadTuplePercent: 20, minDeadTuples: 10 }).warnings.length, 0);
    assert.equal(assessTable(t({ liveTuples: 1, deadTuples: 5 }), { deadTuplePercent: 20, minDeadTuples: 10 }).warnings.length, 0, 'tiny tables stay quiet');
  });

  it('warns when statistics were never gathered on a table with rows', () => {
    assert.match(assessTable(t({ lastAnalyze: null })).warnings[0] ?? '', /never gathered/);
    assert.deepEqual(assessTable(t({ lastAnalyze: null, liveTuples: 0, estimatedRows: null })).warnings, [], 'an empty new table is fine');
    assert.deepEqual(assessTable(t({ lastAnalyze: null, kind: 'partitioned' })).warnings, [], 'partitioned parents keep no counters');
  });
});

function ix(over: Partial<PgIndex>): PgIndex {
  const columns = over.columns ?? [1];
  return {
    schema: 'public', table: 't', name: 'ix', sizeBytes: 8192, scans: 0, tuplesRead: 0, tuplesFetched: 0, unique: false, primary: false, exclusion: false,
    valid: true, beingBuilt: false, method: 'btree', columns, hasExpressions: false, predicate: null, definition: '',
    keys: columns.map((attnum) => ({ attnum, expression: null, opclass: 1978, collation: 0, desc: false, nullsFirst: false })), include: [],
    predicateTree: over.predicate ?? null, nullsNotDistinct: false, immediate: true, backsConstraint: over.primary ?? false, locked: false, ...over,
  };
}

describe('index flags', () => {
  it('flags unused, invalid and duplicate indexes; enforcing ones are never unused or redundant', () => {
    const flags = flagIndexes([
      ix({ name: 'pk', primary: true, unique: true, columns: [1] }),
      ix({ name: 'a', columns: [1] }),
      ix({ name: 'ab', columns: [1, 2], scans: 5 }),
      ix({ name: 'bad', valid: false, columns: [3] }),
      ix({ name: 'building', valid: false, beingBuilt: true, columns: [4] }),
      ix({ name: 'hash', method: 'hash', columns: [1] }),
      ix({ name: 'partial', columns: [1], predicate: '(x > 0)' }),
    ]);
    assert.deepEqual(flags.get('pk'), { unused: false, invalid: false });
    assert.equal(flags.get('a')?.duplicateOf, 'pk');
    assert.equal(flags.get('a')?.unused, true);
    assert.equal(flags.get('ab')?.duplicateOf, undefined);
    assert.equal(flags.get('bad')?.invalid, true);
    assert.equal(flags.get('building')?.invalid, false, 'an index being built is not invalid');
    assert.equal(flags.get('hash')?.duplicateOf, undefined, 'different method');
    assert.equal(flags.get('partial')?.duplicateOf, undefined, 'different predicate');
  });

  it('of two identical plain indexes, flags only one', () => {
    const flags = flagIndexes([ix({ name: 'x1', columns: [2] }), ix({ name: 'x2', columns: [2] })]);
    assert.equal(flags.get('x1')?.duplicateOf, undefined);
    assert.equal(flags.get('x2')?.duplicateOf, 'x1');
  });
});

describe('progress', () => {
  it('reads phases and percentages from the progress views', () => {
    assert.deepEqual(readProgress('vacuum', { phase: 'scanning heap', heap_blks_total: 200, heap_blks_scanned: 50 }), { phase: 'scanning heap', percent: 25 });
    assert.deepEqual(readProgress('vacuum', { phase: 'vacuuming indexes' }), { phase: 'vacuuming indexes', percent: null });
    assert.deepEqual(readProgress('create_index', { phase: 'building index: loading tuples in tree', blocks_total: 0, tuples_total: 10, tuples_done: 5 }), { phase: 'building index: loading tuples in tree', percent: 50 });
    assert.equal(readProgress('cluster', { phase: 'seq scanning heap', heap_blks_total: '10', heap_blks_scanned: '10' }).percent, 100);
  });
});

describe('history store', () => {
  it('appends entries, reads newest first, skips a damaged line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-history-'));
    try {
      const store = new HistoryStore(dir);
      const base = { connectionId: 'c/../1', connectionName: 'Prod | main', engine: 'postgres' as const, database: 'app', kind: 'vacuum', lock: 'x', risk: 'safe', durationMs: 1500 };
      await store.append({ ...base, at: '2026-01-01T00:00:00Z', title: 'first', text: 'VACUUM a', status: 'done' });
      fs.appendFileSync(path.join(dir, 'c_.._1.jsonl'), '{torn\n');
      await store.append({ ...base, at: '2026-01-02T00:00:00Z', title: 'second', text: 'VACUUM b', status: 'failed', message: 'lock | timeout', before: { sizeBytes: 2048 }, after: { sizeBytes: 1024 } });
      assert.deepEqual(fs.readdirSync(dir), ['c_.._1.jsonl'], 'the id cannot name a path outside the folder');
      const entries = await store.read('c/../1');
      assert.deepEqual(entries.map((e) => e.title), ['second', 'first']);
      const md = historyToMarkdown('Prod | main', entries, formatBytes);
      assert.match(md, /Prod \\\| main/);
      assert.match(md, /failed: lock \\\| timeout/);
      assert.match(md, /2\.0 kB → 1\.0 kB/);
      assert.deepEqual(await store.read('nobody'), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads lines written before engines were told apart (sql, no engine) as PostgreSQL entries', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-history-'));
    try {
      const old = { at: '2025-06-01T00:00:00Z', connectionId: 'old', connectionName: 'Old', database: 'app', kind: 'vacuum', title: 'VACUUM t', sql: 'VACUUM "t"', lock: 'SHARE UPDATE EXCLUSIVE', risk: 'safe', status: 'done', durationMs: 10 };
      fs.writeFileSync(path.join(dir, 'old.jsonl'), `${JSON.stringify(old)}\n`);
      const store = new HistoryStore(dir);
      await store.append({ at: '2025-06-02T00:00:00Z', connectionId: 'old', connectionName: 'Old', engine: 'redis', kind: 'flushdb', title: 'FLUSHDB 3', text: 'FLUSHDB', impact: 'deletes every key of database 3', risk: 'destructive', status: 'done', durationMs: 2 });
      const [redis, pg] = await store.read('old');
      assert.equal(pg?.engine, 'postgres');
      assert.equal(pg?.text, 'VACUUM "t"');
      assert.ok(!('sql' in (pg ?? {})), 'the old field is folded into text');
      assert.equal(redis?.engine, 'redis');
      assert.equal(redis?.database, undefined);
      const md = historyToMarkdown('Old', [redis, pg].filter((e) => e !== undefined), formatBytes);
      assert.ok(md.includes('`FLUSHDB`') && md.includes('`VACUUM "t"`'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ages and durations', () => {
  it('formats them for descriptions', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    assert.equal(formatAge(null), 'never');
    assert.equal(formatAge(new Date('2026-01-10T11:59:30Z'), now), 'just now');
    assert.equal(formatAge(new Date('2026-01-10T09:00:00Z'), now), '3 h ago');
    assert.equal(formatAge(new Date('2026-01-07T12:00:00Z'), now), '3 d ago');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(125_000), '2 min 05 s');
  });
});
