import { strict as assert } from 'node:assert';
import { engineModule } from '../../src/core/engines';
import { fixScript, fixScriptLanguage, renderCsv, renderHtml, renderJson, renderMarkdown } from '../../src/core/reports/render';
import { analyse, median, namespaceOf, NO_NAMESPACE, ttlBucket, type KeyStat } from '../../src/core/redis/reports/memoryModel';
import { bigKeyFindings, isBig, keyRowKey, keyText, KEY_TEXT_MAX, maxmemoryFinding, MAX_EXPIRE_KEYS, missingTtlFindings, smallKeysFindings } from '../../src/core/redis/reports/memoryFindings';
import { memorySections, sampleNote } from '../../src/core/redis/reports/memory';
import { clientsHealth, keyspaceHealth, latencyHealth, memoryHealth, parseLatencyLatest, parseSlowlog, persistenceHealth, replicationHealth, slowlogHealth } from '../../src/core/redis/reports/healthModel';
import { dbIndex, DEFAULT_MEMORY_SETTINGS, memorySettings } from '../../src/core/redis/reports/settings';
import type { RedisReport } from '../../src/core/redis/reports/report';
import { panelIdentity } from '../../src/webviews/protocol';

const XSS = '<img src=x onerror=alert(1)>';
const HOUR = 3_600_000;
const S = DEFAULT_MEMORY_SETTINGS;

function key(name: string | Buffer, type = 'string', bytes = 100, ttlMs = -1, length: number | null = 10): KeyStat {
  return { key: Buffer.isBuffer(name) ? name : Buffer.from(name), type, bytes, ttlMs, length };
}

describe('Redis reports: the memory analysis\'s arithmetic', () => {
  it('puts TTLs in the five buckets, edges included', () => {
    assert.equal(ttlBucket(-1), 'none');
    assert.equal(ttlBucket(0), 'lt1h');
    assert.equal(ttlBucket(HOUR - 1), 'lt1h');
    assert.equal(ttlBucket(HOUR), '1h-24h');
    assert.equal(ttlBucket(24 * HOUR - 1), '1h-24h');
    assert.equal(ttlBucket(24 * HOUR), '1d-7d');
    assert.equal(ttlBucket(7 * 24 * HOUR), '1d-7d');
    assert.equal(ttlBucket(7 * 24 * HOUR + 1), 'gt7d');
  });

  it('groups keys by the name up to the first delimiter, as bytes', () => {
    assert.equal(namespaceOf(Buffer.from('user:42:profile'), ':')?.toString(), 'user:');
    assert.equal(namespaceOf(Buffer.from('cache::x'), '::')?.toString(), 'cache::');
    assert.equal(namespaceOf(Buffer.from('plain'), ':'), undefined);
    assert.equal(namespaceOf(Buffer.from(':leading'), ':'), undefined, 'an empty namespace is none');
    assert.deepEqual(namespaceOf(Buffer.from([0xff, 0x00, 0x3a, 0x01]), ':'), Buffer.from([0xff, 0x00, 0x3a]));
  });

  it('extrapolates a sample proportionally, and a complete run not at all', () => {
    const stats = [key('a:1', 'string', 100), key('a:2', 'string', 300, 10 * 60_000), key('b:1', 'hash', 1000, 2 * 86_400_000, 5), key('nodelim', 'list', 600, 8 * 24 * HOUR, 3)];
    const a = analyse(stats, 400, ':', false);
    assert.equal(a.factor, 100);
    assert.equal(a.sampledBytes, 2000);
    assert.equal(a.estimatedBytes, 200_000);
    assert.deepEqual(a.types.get('string'), { keys: 200, bytes: 40_000, sampled: 2 });
    assert.deepEqual(a.types.get('hash'), { keys: 100, bytes: 100_000, sampled: 1 });
    assert.deepEqual(a.buckets.get('none'), { keys: 100, bytes: 10_000 });
    assert.deepEqual(a.buckets.get('lt1h'), { keys: 100, bytes: 30_000 });
    assert.deepEqual(a.buckets.get('1h-24h'), { keys: 0, bytes: 0 });
    assert.deepEqual(a.buckets.get('1d-7d'), { keys: 100, bytes: 100_000 });
    assert.deepEqual(a.buckets.get('gt7d'), { keys: 100, bytes: 60_000 });
    const ns = new Map(a.namespaces.map((n) => [n.prefix?.toString() ?? NO_NAMESPACE, n]));
    assert.equal(ns.get('a:')?.keys, 200);
    assert.equal(ns.get('a:')?.withTtl, 1);
    assert.equal(ns.get(NO_NAMESPACE)?.bytes, 60_000);
    assert.deepEqual(a.topByMemory.map((k) => k.key.toString()), ['b:1', 'nodelim', 'a:2', 'a:1']);
    assert.deepEqual(a.topByLength.map((k) => k.key.toString()), ['a:1', 'a:2', 'b:1', 'nodelim']);
    const all = analyse(stats, 4, ':', true);
    assert.equal(all.factor, 1);
    assert.equal(all.estimatedBytes, 2000);
    assert.equal(analyse([], 1000, ':', false).estimatedBytes, 0, 'an empty sample extrapolates to nothing');
  });

  it('says it is a sample, how large, and that totals are extrapolated', () => {
    const a = analyse([key('a:1')], 10_000, ':', false);
    assert.match(sampleNote(a), /A sample of 1 of 10,000 keys \(0\.0%, taken by SCAN\): counts and memory are extrapolated proportionally/);
    assert.match(sampleNote(analyse([key('a:1')], 1, ':', true)), /^Every key of the database was analysed \(1 keys\)/);
    const sections = memorySections(a, { used_memory: '1048576', maxmemory: '0', maxmemory_policy: 'allkeys-lru' });
    assert.deepEqual(sections.map((s) => s.id), ['summary', 'types', 'top-memory', 'top-length', 'namespaces-memory', 'namespaces-count', 'ttl']);
    for (const id of ['types', 'namespaces-memory', 'namespaces-count', 'ttl', 'top-memory']) assert.ok(sections.find((s) => s.id === id)?.chart, `${id} has a chart`);
    assert.match(sections.find((s) => s.id === 'types')?.title ?? '', /\(est\.\)/);
    assert.ok(sections.find((s) => s.id === 'summary')?.rows.some((r) => r['value'] === '0 (no limit)'));
  });

  it('median TTL, rounded up', () => {
    assert.equal(median([]), undefined);
    assert.equal(median([5]), 5);
    assert.equal(median([1, 2]), 2);
    assert.equal(median([30, 10, 20]), 20);
  });

  it('reads its settings, and falls back on nonsense', () => {
    const settings = (values: Record<string, unknown>) => ({ get: <T>(k: string, fallback: T): T => (k in values ? (values[k] as T) : fallback) });
    assert.deepEqual(memorySettings(settings({})), S);
    const s = memorySettings(settings({ 'upkeep.redis.analysis.sampleSize': 500, 'upkeep.redis.namespaceDelimiter': '/', 'upkeep.redis.analysis.bigKeyBytes': -3, 'upkeep.redis.analysis.memorySamples': 0 }));
    assert.equal(s.sampleSize, 500);
    assert.equal(s.delimiter, '/');
    assert.equal(s.bigKeyBytes, S.bigKeyBytes);
    assert.equal(s.memorySamples, S.memorySamples, 'SAMPLES 0 would read whole values: never');
    assert.equal(dbIndex('db6'), 6);
    assert.equal(dbIndex('7'), 7);
    assert.throws(() => dbIndex('app'), /not a Redis database/);
  });
});

describe('Redis reports: findings from planted numbers', () => {
  it('big keys by bytes (any type) and by length (collections), with UNLINK of the exact bytes', () => {
    const s = { ...S, bigKeyBytes: 1000, bigKeyLength: 50 };
    assert.ok(isBig(key('x', 'string', 1000, -1, 10), s));
    assert.ok(!isBig(key('x', 'string', 999, -1, 100_000), s), 'a string\'s length is its bytes, judged by bigKeyBytes');
    assert.ok(isBig(key('x', 'hash', 10, -1, 50), s));
    assert.ok(!isBig(key('x', 'hash', 10, -1, 49), s));
    const binary = Buffer.from([0x62, 0x69, 0x67, 0x3a, 0x00, 0xff, 0x22]);
    const findings = bigKeyFindings([key('small'), key(binary, 'zset', 20_000, -1, 3), key(XSS, 'list', 10, -1, 60)], 6, s);
    assert.deepEqual(findings.map((f) => f.object), ['"big:\\x00\\xff\\""', XSS]);
    const [zset, list] = findings;
    assert.equal(zset?.severity, 'critical', '10× the threshold');
    assert.equal(list?.severity, 'warning');
    assert.match(list?.message ?? '', /Big list .*60 elements/);
    const op = zset?.fixes[0];
    assert.equal(op?.risk, 'destructive');
    assert.equal(op?.text, 'SELECT 6\nUNLINK "big:\\x00\\xff\\""');
    assert.deepEqual(op?.commands, [['UNLINK', binary]], 'the command carries the key\'s own bytes');
    assert.deepEqual((op?.target as { db?: number }).db, 6);
  });

  it('keys without TTL where most of their namespace has one: EXPIRE with the typical TTL', () => {
    const stats = [
      ...Array.from({ length: 18 }, (_, i) => key(`session:${i}`, 'string', 50, (1000 + i * 10) * 1000)),
      key('session:leak1'), key('session:leak2'),
      ...Array.from({ length: 20 }, (_, i) => key(`user:${i}`, 'hash')),
    ];
    const findings = missingTtlFindings(analyse(stats, 40, ':', true), 7);
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f?.object, 'session:');
    assert.match(f?.message ?? '', /^2 sampled keys of session: never expire, while 90% .*\(typically 1,085 s\)/);
    assert.equal(f?.fixes[0]?.text, 'SELECT 7\nEXPIRE session:leak1 1085\nEXPIRE session:leak2 1085');
    const many = [...Array.from({ length: 400 }, (_, i) => key(`s:${i}`, 'string', 1, 5000)), ...Array.from({ length: 150 }, (_, i) => key(`s:n${i}`))];
    assert.equal(missingTtlFindings(analyse(many, 550, ':', true), 0)[0]?.fixes[0]?.commands.length, MAX_EXPIRE_KEYS, 'bounded');
    const half = [...Array.from({ length: 10 }, (_, i) => key(`h:${i}`, 'string', 1, 5000)), ...Array.from({ length: 10 }, (_, i) => key(`h:n${i}`))];
    assert.deepEqual(missingTtlFindings(analyse(half, 20, ':', true), 0), [], 'half is not most');
  });

  it('many small strings in a namespace: advice, no fix', () => {
    const stats = Array.from({ length: 100 }, (_, i) => key(`counter:${i}`, 'string', 56));
    const found = smallKeysFindings(analyse(stats, 100_000, ':', false));
    assert.equal(found.length, 1);
    assert.equal(found[0]?.severity, 'info');
    assert.deepEqual(found[0]?.fixes, []);
    assert.match(found[0]?.message ?? '', /About 100,000 small strings \(56 bytes/);
    assert.deepEqual(smallKeysFindings(analyse(stats, 100, ':', true)), [], 'a hundred keys are not worth it');
    assert.deepEqual(smallKeysFindings(analyse(stats.map((k) => ({ ...k, bytes: 500 })), 100_000, ':', false)), [], 'not small');
  });

  it('maxmemory 0 with an evicting policy: the command to adapt, never a fix to run', () => {
    assert.equal(maxmemoryFinding(0, 'noeviction', 8e9), undefined);
    assert.equal(maxmemoryFinding(1e9, 'allkeys-lru', 8e9), undefined);
    assert.equal(maxmemoryFinding(undefined, 'allkeys-lru', 8e9), undefined);
    const f = maxmemoryFinding(0, 'allkeys-lru', 8 * 1024 * 1024 * 1024);
    assert.deepEqual(f?.fixes, []);
    assert.deepEqual(f?.manualSteps, { language: 'redis', commands: ['CONFIG SET maxmemory 6144mb', 'CONFIG REWRITE'] });
    assert.deepEqual(maxmemoryFinding(0, 'volatile-ttl', undefined)?.manualSteps?.commands[0], 'CONFIG SET maxmemory <bytes>');
  });

  it('shows keys safely: UTF-8 as is, binary quoted, long names elided; row keys stay short', () => {
    assert.equal(keyText(Buffer.from(XSS)), XSS);
    assert.equal(keyText(Buffer.from('new\nline')), 'new\nline');
    assert.equal(keyText(Buffer.from([0x61, 0x00, 0xff])), '"a\\x00\\xff"');
    const long = keyText(Buffer.from(`k:${'x'.repeat(10_000)}`));
    assert.equal(long.length < KEY_TEXT_MAX + 30, true);
    assert.match(long, /… \(10,002 bytes\)$/);
    assert.equal(keyRowKey(Buffer.from('ab')), '6162');
    assert.match(keyRowKey(Buffer.alloc(1000, 1)), /^sha1-[0-9a-f]{40}$/);
  });
});

describe('Redis reports: health from planted numbers', () => {
  it('fragmentation: activedefrag with jemalloc, a restart without, swapping below 1, nothing for a small dataset', () => {
    const big = { used_memory: String(1e9), used_memory_rss: String(2e9), mem_fragmentation_ratio: '2.00', mem_allocator: 'jemalloc-5.3.0' };
    const je = memoryHealth(big, false).findings;
    assert.equal(je[0]?.id, 'health:memory:fragmentation');
    assert.equal(je[0]?.fixes[0]?.text, 'CONFIG SET activedefrag yes');
    const libc = memoryHealth({ ...big, mem_allocator: 'libc' }, false).findings;
    assert.deepEqual(libc[0]?.fixes, []);
    assert.match(libc[0]?.message ?? '', /needs jemalloc/);
    assert.deepEqual(memoryHealth({ ...big, used_memory: '1000000', used_memory_rss: '7000000', mem_fragmentation_ratio: '7.00' }, false).findings, [], 'a 1 MB dataset');
    const swap = memoryHealth({ ...big, used_memory_rss: String(5e8), mem_fragmentation_ratio: '0.50' }, false).findings;
    assert.equal(swap[0]?.severity, 'critical');
    assert.match(swap[0]?.message ?? '', /swapped/);
    assert.match(memoryHealth(big, true).section.note ?? '', /CONFIG GET was refused/);
  });

  it('evictions, hit ratio, clients near maxclients', () => {
    assert.equal(keyspaceHealth({ evicted_keys: '12', keyspace_hits: '10', keyspace_misses: '0' }).findings[0]?.id, 'health:keyspace:evicted');
    assert.equal(keyspaceHealth({ evicted_keys: '0', keyspace_hits: '500', keyspace_misses: '1500' }).findings[0]?.id, 'health:keyspace:hit-ratio');
    assert.deepEqual(keyspaceHealth({ evicted_keys: '0', keyspace_hits: '5', keyspace_misses: '50' }).findings, [], 'too few lookups to judge');
    assert.equal(keyspaceHealth({ keyspace_hits: '3', keyspace_misses: '1' }).section.rows.find((r) => r['_key'] === 'hit-ratio')?.['value'], '75.0%');
    assert.equal(clientsHealth({ connected_clients: '85' }, 100).findings[0]?.severity, 'warning');
    assert.equal(clientsHealth({ connected_clients: '99', maxclients: '100' }, undefined).findings[0]?.severity, 'critical', 'maxclients from INFO when CONFIG GET is refused');
    assert.deepEqual(clientsHealth({ connected_clients: '5' }, 10_000).findings, []);
  });

  it('parses SLOWLOG GET (binary arguments kept) and offers SLOWLOG RESET', () => {
    const reply = [[5, 1_700_000_000, 12_345, [Buffer.from('SET'), Buffer.from([0x6b, 0xff]), Buffer.from('v')], Buffer.from('127.0.0.1:5000'), Buffer.from('app')], ['junk']];
    const entries = parseSlowlog(reply);
    assert.equal(entries.length, 1);
    const { section, findings } = slowlogHealth(entries, undefined, 10_000);
    assert.deepEqual(section.rows[0], { _key: '5', time: '2023-11-14T22:13:20.000Z', micros: 12_345, command: 'SET "k\\xff" v', client: '127.0.0.1:5000', name: 'app' });
    assert.equal(findings[0]?.fixes[0]?.text, 'SLOWLOG RESET');
    const refused = slowlogHealth(undefined, 'NOPERM no permission', undefined);
    assert.match(refused.section.note ?? '', /refused \(NOPERM/);
    assert.deepEqual(refused.findings, []);
  });

  it('latency: off → how to turn it on; on → LATEST rows; unknown when CONFIG GET is refused', () => {
    const off = latencyHealth(0, undefined, undefined);
    assert.match(off.section.note ?? '', /CONFIG SET latency-monitor-threshold 100/);
    assert.equal(off.findings[0]?.fixes[0]?.text, 'CONFIG SET latency-monitor-threshold 100');
    const on = latencyHealth(100, parseLatencyLatest([['command', 1_700_000_000, 250, 900]]), undefined);
    assert.deepEqual(on.section.rows[0], { _key: 'command', event: 'command', time: '2023-11-14T22:13:20.000Z', latest: 250, max: 900 });
    assert.deepEqual(on.findings, []);
    assert.match(latencyHealth(undefined, [], 'NOPERM x').section.note ?? '', /unknown: CONFIG GET latency-monitor-threshold was refused/);
  });

  it('persistence and replication', () => {
    const now = new Date('2024-05-02T12:00:00Z');
    const day = 86_400;
    const old = persistenceHealth({ rdb_last_save_time: String(now.getTime() / 1000 - 2 * day), rdb_changes_since_last_save: '10', rdb_last_bgsave_status: 'ok', aof_enabled: '0' }, now, '3600 1');
    assert.equal(old.findings[0]?.id, 'health:persistence:old-save');
    assert.equal(old.section.rows.find((r) => r['_key'] === 'save-age')?.['value'], '2 d');
    const failed = persistenceHealth({ rdb_last_bgsave_status: 'err', aof_enabled: '0' }, now, undefined);
    assert.equal(failed.findings[0]?.severity, 'critical');
    assert.equal(failed.findings[0]?.fixes[0]?.text, 'BGSAVE');
    assert.equal(persistenceHealth({ aof_enabled: '1', aof_last_write_status: 'err' }, now, '').findings[0]?.id, 'health:persistence:aof');
    const replica = replicationHealth({ role: 'slave', master_host: '10.0.0.1', master_port: '6379', master_link_status: 'down', master_link_down_since_seconds: '42' });
    assert.equal(replica.findings[0]?.severity, 'critical');
    assert.match(replica.findings[0]?.message ?? '', /down for 42 s/);
    const master = replicationHealth({ role: 'master', connected_slaves: '1', slave0: 'ip=10.0.0.2,port=6380,state=online,offset=100,lag=30' });
    assert.equal(master.findings[0]?.object, 'replica 10.0.0.2:6380');
  });
});

describe('Redis reports: fix scripts, exports and the panel host\'s view of them', () => {
  function report(): RedisReport {
    const stats = [key(XSS, 'hash', 50 * 1024 * 1024, -1, 20_000), ...Array.from({ length: 12 }, (_, i) => key(`s:${i}`, 'string', 10, 60_000)), key('s:leak\nEXPIRE x 0')];
    const a = analyse(stats, 13, ':', true);
    return {
      kind: 'memory', title: 'Memory analysis', connectionName: 'cache # prod\nFLUSHALL', database: 'db6', server: 'Redis', serverVersion: '7.0.15', generatedAt: '2024-05-01T10:00:00.000Z', durationMs: 5,
      sections: memorySections(a, {}),
      findings: [...bigKeyFindings(stats, 6, S), ...missingTtlFindings(a, 6), maxmemoryFinding(0, 'allkeys-lru', 4 * 1024 ** 3) ?? []].flat(),
    };
  }

  it('writes a redis-cli script: # comments, one command a line, server text never escapes a comment', () => {
    const r = report();
    assert.equal(fixScriptLanguage(r.findings), 'shellscript');
    const text = fixScript(r.findings, r.connectionName, r.database, new Date('2024-05-01T10:00:00Z'));
    const lines = text.split('\n');
    assert.equal(lines[0], '# Upkeep fix script');
    assert.equal(lines[1], '# Connection: cache # prod FLUSHALL');
    assert.ok(lines.includes('# Review before running; each line is one command (redis-cli reads this file from standard input).'));
    assert.ok(lines.includes('UNLINK "<img src=x onerror=alert(1)>"'), text);
    assert.ok(lines.includes('EXPIRE "s:leak\\nEXPIRE x 0" 60'), 'a key with a newline stays one quoted argument');
    assert.ok(lines.includes('# CONFIG SET maxmemory 3072mb'), 'the judgement call is commented out');
    assert.ok(!lines.some((l) => /^(FLUSHALL|CONFIG SET)/.test(l)), 'nothing uncommented but the fixes');
    const commands = lines.filter((l) => l && !l.startsWith('#'));
    // Each fix stands alone, with the SELECT of its database.
    assert.deepEqual(commands, ['SELECT 6', 'UNLINK "<img src=x onerror=alert(1)>"', 'SELECT 6', 'EXPIRE "s:leak\\nEXPIRE x 0" 60']);
  });

  it('exports say Redis, and escape the keys', () => {
    const r = report();
    const md = renderMarkdown(r);
    assert.match(md, /database db6, Redis 7\.0\.15\./);
    assert.ok(!md.includes(XSS));
    const html = renderHtml(r);
    assert.ok(html.includes('Redis 7.0.15'));
    assert.ok(!html.includes(XSS) && html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(renderCsv(r).includes('# Memory by type'));
    assert.equal((JSON.parse(renderJson(r)) as { server?: string }).server, 'Redis');
  });

  it('the Redis engine offers memory and health through the reports hook; a restored panel may name them', () => {
    const reports = engineModule('redis').reports;
    assert.deepEqual(reports?.kinds.map((k) => k.id), ['memory', 'health']);
    assert.equal(reports?.kinds[0]?.fullRun?.label, 'Analyse all keys');
    assert.deepEqual(engineModule('postgres').reports?.kinds.map((k) => k.id), ['bloat', 'indexes', 'health', 'capacity']);
    assert.deepEqual(panelIdentity({ kind: 'memory', connectionId: 'r1', database: 'db6', report: { findings: [] } }), { kind: 'memory', connectionId: 'r1', database: 'db6' });
    assert.equal(panelIdentity({ kind: 'flushall', connectionId: 'r1', database: 'db6' }), undefined);
  });
});
