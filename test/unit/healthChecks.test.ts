import { strict as assert } from 'node:assert';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { judgeBackupAge } from '../../src/core/health/backupAge';
import { HEALTH_LINK_COMMANDS, OPEN_REPORT_COMMAND, orUnknown } from '../../src/core/health/links';
import type { HealthCheck } from '../../src/core/health/model';
import { judgeCacheHit, judgeConnections, judgeLongTransactions as pgLong, judgePostgres, judgeReplication, judgeWraparound, type PgHealthFacts } from '../../src/core/postgres/healthJudge';
import { DEFAULT_REPORT_THRESHOLDS } from '../../src/core/postgres/reports/model';
import { judgeBgsave, judgeEvictions, judgeMemory, judgeReplicaLink } from '../../src/core/redis/healthJudge';
import { judgeFailedIndexes, judgeLongTransactions as neoLong } from '../../src/core/neo4j/healthJudge';
import { judgeContainers, judgeReclaimable } from '../../src/core/docker/healthJudge';

const HOSTILE = `<img src=x onerror=alert(1)> "q" 'a' ✓`;
const profile = (engine: ConnectionProfile['engine']): ConnectionProfile => ({ id: `id-${engine}`, engine, name: HOSTILE, host: 'h', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 1000 });
const pg = { profile: profile('postgres'), database: 'app' };
const th = DEFAULT_REPORT_THRESHOLDS;

/** Every link a check carries names a command the Health panel allows. */
function linksAllowed(c: HealthCheck): void {
  for (const l of [c.explain, ...(c.fixes ?? [])]) if (l) assert.ok(HEALTH_LINK_COMMANDS.includes(l.command), `${c.id}: ${l.command}`);
}

describe('health: PostgreSQL judgements (the health report\'s thresholds)', () => {
  it('cache hit: a warning below cacheHitMin, judged only from 1,000 blocks', () => {
    assert.equal(judgeCacheHit([{ what: 'tables', hit: 900, read: 100 }], th, pg).severity, 'ok'); // 90.0 %
    const low = judgeCacheHit([{ what: 'tables', hit: 899, read: 101 }, { what: 'indexes', hit: 1000, read: 0 }], th, pg);
    assert.equal(low.severity, 'warning');
    assert.match(low.reason, /89\.9 % for tables \(warning below 90 %\)/);
    assert.equal(judgeCacheHit([{ what: 'tables', hit: 1, read: 998 }], th, pg).severity, 'ok', 'fewer than 1,000 blocks: not judged');
    assert.equal(judgeCacheHit([{ what: 'tables', hit: 1, read: 998 }], { cacheHitMin: 99 }, pg).severity, 'ok');
    linksAllowed(low);
  });

  it('connections: warning from 80 %, critical from 95 % of max_connections less the reserve', () => {
    const at = (used: number): string => judgeConnections({ used, maxConnections: 103, reserved: 3 }, pg).severity;
    assert.equal(at(79), 'ok');
    assert.equal(at(80), 'warning');
    assert.equal(at(94), 'warning');
    assert.equal(at(95), 'critical');
    assert.match(judgeConnections({ used: 95, maxConnections: 103, reserved: 3 }, pg).reason, /95 of 100 connections in use \(95\.0 %; warning from 80 %, critical from 95 %\)/);
  });

  it('long transactions: any idle in transaction or running past longQuerySeconds warns, with the report as its fix', () => {
    assert.equal(pgLong({ count: 0, oldestSeconds: 0 }, { count: 0, oldestSeconds: 0 }, th, pg).severity, 'ok');
    const c = pgLong({ count: 2, oldestSeconds: 125 }, { count: 0, oldestSeconds: 0 }, th, pg);
    assert.equal(c.severity, 'warning');
    assert.match(c.reason, /2 idle in transaction \(oldest 2 min 05 s\): longer than 1 min 00 s/);
    assert.equal(c.fixes?.[0]?.command, OPEN_REPORT_COMMAND);
    assert.deepEqual(c.fixes?.[0]?.args, [{ connectionId: 'id-postgres', kind: 'health', database: 'app' }]);
    linksAllowed(c);
  });

  it('wraparound: warning from twice autovacuum_freeze_max_age (or the setting), critical from 1.4 billion', () => {
    const f = (xidAge: number, mxidAge = 0): NonNullable<PgHealthFacts['wraparound']> => ({ database: HOSTILE, xidAge, mxidAge, freezeMaxAge: 200_000_000, mxidFreezeMaxAge: 400_000_000 });
    assert.equal(judgeWraparound(f(399_999_999), th, pg).severity, 'ok');
    assert.equal(judgeWraparound(f(400_000_000), th, pg).severity, 'warning');
    assert.equal(judgeWraparound(f(1_399_999_999), th, pg).severity, 'warning');
    assert.equal(judgeWraparound(f(1_400_000_000), th, pg).severity, 'critical');
    assert.equal(judgeWraparound(f(0, 800_000_000), th, pg).severity, 'warning', 'multixact ages too');
    assert.equal(judgeWraparound(f(1_000), { wraparoundWarnAge: 1_000 }, pg).severity, 'warning', 'the setting replaces the warning level');
    assert.match(judgeWraparound(f(400_000_000), th, pg).reason, /age\(datfrozenxid\) 400,000,000 .*warning from 400,000,000, critical from 1,400,000,000/);
    assert.equal(judgeWraparound(undefined, th, pg).severity, 'unknown');
  });

  it('replication: lag from replicationLagSeconds or Bytes, inactive slots warn, a standby is checked on its primary', () => {
    const r = (lagSeconds: number | null, lagBytes: number | null): PgHealthFacts['replicas'] => [{ name: HOSTILE, lagSeconds, lagBytes }];
    assert.equal(judgeReplication({ inRecovery: false, replicas: [], inactiveSlots: [] }, th, pg).severity, 'ok');
    assert.equal(judgeReplication({ inRecovery: false, replicas: r(29.9, 0), inactiveSlots: [] }, th, pg).severity, 'ok');
    assert.equal(judgeReplication({ inRecovery: false, replicas: r(30, 0), inactiveSlots: [] }, th, pg).severity, 'warning');
    assert.equal(judgeReplication({ inRecovery: false, replicas: r(null, 1024 ** 3), inactiveSlots: [] }, th, pg).severity, 'warning');
    assert.equal(judgeReplication({ inRecovery: false, replicas: [], inactiveSlots: [{ name: 's', retainedBytes: 5 }] }, th, pg).severity, 'warning');
    assert.equal(judgeReplication({ inRecovery: true, replicas: [], inactiveSlots: [{ name: 's', retainedBytes: 5 }] }, th, pg).severity, 'ok');
  });

  it('a healthy server: every check ok, each with a link the panel allows', () => {
    const checks = judgePostgres({
      cache: [{ what: 'tables', hit: 10_000, read: 10 }], connections: { used: 3, maxConnections: 100, reserved: 3 },
      idleInTransaction: { count: 0, oldestSeconds: 0 }, longQueries: { count: 0, oldestSeconds: 0 },
      wraparound: { database: 'app', xidAge: 1000, mxidAge: 1, freezeMaxAge: 200_000_000, mxidFreezeMaxAge: 400_000_000 },
      inRecovery: false, replicas: [], inactiveSlots: [],
    }, th, pg);
    assert.deepEqual(checks.map((c) => c.id), ['reachable', 'cache-hit', 'connections', 'long-transactions', 'wraparound', 'replication']);
    assert.ok(checks.every((c) => c.severity === 'ok'), JSON.stringify(checks));
    checks.forEach(linksAllowed);
  });
});

describe('health: last backup age', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000);
  it('none, or older than staleDays (as the backups report), warns; up to it is ok', () => {
    assert.equal(judgeBackupAge(undefined, now, 7).severity, 'warning');
    assert.equal(judgeBackupAge(daysAgo(7), now, 7).severity, 'ok');
    assert.equal(judgeBackupAge(daysAgo(7.01), now, 7).severity, 'warning');
    assert.match(judgeBackupAge(daysAgo(8), now, 7).reason, /last backup 8 d ago, older than 7 d/);
  });
});

describe('health: Redis judgements', () => {
  const ctx = { profile: profile('redis'), database: 'db0' };
  const mem = (used: number, max: number, policy = 'allkeys-lru'): string => judgeMemory({ used_memory: String(used), maxmemory: String(max), maxmemory_policy: policy }, 90, ctx).severity;
  it('memory: a warning from memoryWarnPercent of maxmemory; critical at the limit under noeviction; no limit is ok', () => {
    assert.equal(mem(899, 1000), 'ok');
    assert.equal(mem(900, 1000), 'warning');
    assert.equal(mem(1000, 1000), 'warning');
    assert.equal(mem(1000, 1000, 'noeviction'), 'critical');
    assert.equal(mem(999, 1000, 'noeviction'), 'warning');
    assert.equal(mem(5000, 0), 'ok');
    assert.match(judgeMemory({ used_memory: '900', maxmemory: '1000', maxmemory_policy: 'noeviction' }, 90, ctx).reason, /90\.0 %, policy noeviction; warning from 90 %, critical at 100 %/);
  });
  it('last bgsave err is critical, with BGSAVE offered through the report', () => {
    assert.equal(judgeBgsave({ rdb_last_bgsave_status: 'ok' }, ctx).severity, 'ok');
    const c = judgeBgsave({ rdb_last_bgsave_status: 'err' }, ctx);
    assert.equal(c.severity, 'critical');
    assert.ok(c.fixes?.length);
    linksAllowed(c);
  });
  it('replica link: down is critical, 10 s of silence warns', () => {
    assert.equal(judgeReplicaLink({ role: 'master', connected_slaves: '0' }, ctx).severity, 'ok');
    assert.equal(judgeReplicaLink({ role: 'slave', master_link_status: 'down', master_host: HOSTILE }, ctx).severity, 'critical');
    assert.equal(judgeReplicaLink({ role: 'slave', master_link_status: 'up', master_last_io_seconds_ago: '9' }, ctx).severity, 'ok');
    assert.equal(judgeReplicaLink({ role: 'slave', master_link_status: 'up', master_last_io_seconds_ago: '10' }, ctx).severity, 'warning');
  });
  it('evictions: any since start warns', () => {
    assert.equal(judgeEvictions({ evicted_keys: '0' }, ctx).severity, 'ok');
    assert.equal(judgeEvictions({ evicted_keys: '1' }, ctx).severity, 'warning');
  });
});

describe('health: Neo4j and Docker judgements', () => {
  const neo = { profile: profile('neo4j'), database: 'neo4j' };
  it('Neo4j: a failed index is critical with its first line of failure; long transactions from the view\'s limit', () => {
    const ix = (name: string, state: string, failureMessage = ''): { name: string; state: string; failureMessage: string } => ({ name, state, failureMessage });
    assert.equal(judgeFailedIndexes([ix('a', 'ONLINE'), ix('b', 'POPULATING')], neo).severity, 'ok');
    const c = judgeFailedIndexes([ix(HOSTILE, 'FAILED', 'java.lang.IllegalStateException: duplicate key\n\tat x.y'), ix('b', 'ONLINE')], neo);
    assert.equal(c.severity, 'critical');
    assert.match(c.reason, /1 of 2 indexes failed: .*\(duplicate key\)/);
    assert.equal(neoLong([{ id: 'tx-1', elapsedMs: 29_999 }], 30, neo).severity, 'ok');
    assert.equal(neoLong([{ id: 'tx-1', elapsedMs: 30_000 }], 30, neo).severity, 'warning');
  });
  it('Docker: unhealthy is critical, restarting warns, reclaimable disk from the setting', () => {
    const p = profile('docker');
    assert.equal(judgeContainers([{ name: 'a', state: 'running', health: 'healthy' }, { name: 'b', state: 'exited' }], p).severity, 'ok');
    assert.equal(judgeContainers([{ name: 'a', state: 'restarting' }], p).severity, 'warning');
    const c = judgeContainers([{ name: HOSTILE, state: 'running', health: 'unhealthy' }, { name: 'r', state: 'restarting' }], p);
    assert.equal(c.severity, 'critical');
    assert.match(c.reason, /1 unhealthy: .*; 1 restarting: r/);
    assert.equal(judgeReclaimable({ total: 100, reclaimable: 99 }, 100, p).severity, 'ok');
    const r = judgeReclaimable({ total: 200, reclaimable: 100 }, 100, p);
    assert.equal(r.severity, 'warning');
    linksAllowed(r);
  });
});

describe('health: a check that cannot be read', () => {
  it('is unknown with the first line of why; one that can is kept', async () => {
    const c = await orUnknown('long-transactions', 'Long transactions', () => Promise.reject(new Error('Permission denied.\n\tat stack')));
    assert.deepEqual(c, { id: 'long-transactions', title: 'Long transactions', severity: 'unknown', reason: 'could not be read: Permission denied.' });
    const ok = await orUnknown('x', 'X', () => Promise.resolve({ id: 'x', title: 'X', severity: 'ok', reason: 'fine' }));
    assert.equal(ok.severity, 'ok');
  });
});
