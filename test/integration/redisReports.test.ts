import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type IORedis from 'ioredis';
import type { ReportRequest, SettingsReader } from '../../src/core/engine';
import type { Report } from '../../src/core/reports/model';
import { fixScript } from '../../src/core/reports/render';
import { openRedis, RedisSession } from '../../src/core/redis/connection';
import { ANALYSIS_CLIENT_NAME, runRedisReport } from '../../src/core/redis/reports/index';
import { sampleKeyspace, statKeys } from '../../src/core/redis/reports/sample';
import { FIXTURE_BIG_KEYS, FIXTURE_NAMESPACES, loadRedisFixture, type RedisFixture } from '../services/redisFixture';
import { redisProfile, services } from './services';

/** This suite's databases (the other Redis suites use 1–5 and 9). */
const DB = 6;
const SMALL_DB = 7;
const ACL_DB = 8;

/** redis-cli on the test server, the password in REDISCLI_AUTH (never in its arguments). */
function redisCli(args: string[]): Promise<string> {
  const s = services().redis;
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', s.host, '-p', String(s.port), ...args], { env: { ...process.env, REDISCLI_AUTH: s.password } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`redis-cli ${args.join(' ')} exited ${String(code)}: ${err}`))));
  });
}

/** `--memkeys` / `--bigkeys` summary lines: "30001 hashs with 7244320 bytes (…)" / "… with 50000 fields (…)", and "Biggest hash found '"big:hash"' has 3324400 bytes". */
function parseSummary(out: string): { totals: Map<string, { keys: number; amount: number }>; biggest: Map<string, { key: string; amount: number }> } {
  const totals = new Map<string, { keys: number; amount: number }>();
  const biggest = new Map<string, { key: string; amount: number }>();
  for (const line of out.split('\n')) {
    const t = /^(\d+) (\w+?)s with (\d+) \w+ \(/.exec(line);
    if (t) totals.set(t[2] ?? '', { keys: Number(t[1]), amount: Number(t[3]) });
    const b = /^Biggest\s+(\w+) found '"(.*)"' has (\d+) /.exec(line);
    if (b) biggest.set(b[1] ?? '', { key: b[2] ?? '', amount: Number(b[3]) });
  }
  return { totals, biggest };
}

function settingsOf(values: Record<string, unknown>): SettingsReader {
  return { get: <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback) };
}

const TEST_SETTINGS = { 'upkeep.redis.analysis.bigKeyBytes': 1024 * 1024, 'upkeep.redis.analysis.bigKeyLength': 5_000 };

describe('Redis reports (real server)', function () {
  this.timeout(180_000);
  let admin: IORedis;
  let session: RedisSession;
  let fixture: RedisFixture;

  function request(kind: string, db: number, extra: Partial<ReportRequest> = {}): Promise<Report> {
    const req: ReportRequest = { session, profile: session.profile, database: `db${db}`, signal: new AbortController().signal, settings: settingsOf(TEST_SETTINGS), storageDir: '/nonexistent', ...extra };
    return runRedisReport(kind, req);
  }

  before(async () => {
    const profile = redisProfile();
    admin = await openRedis(profile, services().redis.password);
    fixture = await loadRedisFixture(admin, { db: DB });
    session = new RedisSession(profile, services().redis.password, await openRedis(profile, services().redis.password));
  });

  after(async () => {
    await session.dispose();
    await admin.select(DB);
    await admin.flushdb();
    admin.disconnect();
  });

  it('analyses every key on demand: the planted big keys, the namespaces, and per-type totals that agree with redis-cli --memkeys', async () => {
    const [report, memkeys] = await Promise.all([request('memory', DB, { options: { full: true } }), redisCli(['-n', String(DB), '--memkeys'])]);
    assert.equal(report.database, `db${DB}`);
    const summary = report.sections.find((s) => s.id === 'summary');
    assert.ok(summary?.rows.some((r) => r['value'] === `${fixture.total.toLocaleString('en-US')} (all)`), JSON.stringify(summary?.rows));
    const big = report.findings.filter((f) => f.id.startsWith('memory:big-keys:')).map((f) => f.object).sort();
    assert.deepEqual(big, Object.keys(FIXTURE_BIG_KEYS).sort(), 'every planted big key, and nothing else');
    const unlink = report.findings.find((f) => f.object === 'big:hash')?.fixes[0];
    assert.equal(unlink?.text, `SELECT ${DB}\nUNLINK big:hash`);
    assert.equal(unlink?.risk, 'destructive');
    const namespaces = report.sections.find((s) => s.id === 'namespaces-count')?.rows.map((r) => r['namespace']) ?? [];
    for (const ns of FIXTURE_NAMESPACES) assert.ok(namespaces.includes(`${ns.prefix.split(':')[0] ?? ''}:`), `${ns.prefix} in ${namespaces.join(', ')}`);
    const nsRows = report.sections.find((s) => s.id === 'namespaces-count')?.rows ?? [];
    assert.equal(nsRows.find((r) => r['namespace'] === 'user:')?.['keys'], fixture.counts['user']);
    assert.equal(nsRows.find((r) => r['namespace'] === 'session:')?.['ttlShare'], 100);
    const { totals, biggest } = parseSummary(memkeys);
    const types = report.sections.find((s) => s.id === 'types')?.rows ?? [];
    assert.equal(types.length, totals.size, memkeys);
    for (const [type, cli] of totals) {
      const ours = types.find((r) => r['type'] === (type === 'hashs' ? 'hash' : type));
      assert.equal(ours?.['keys'], cli.keys, `${type}: every key counted`);
      // Both sum MEMORY USAGE per key; redis-cli measures nested values with its own SAMPLES, Upkeep with 5.
      const diff = Math.abs(Number(ours?.['bytes']) - cli.amount) / cli.amount;
      assert.ok(diff < 0.02, `${type}: ${String(ours?.['bytes'])} bytes vs redis-cli's ${cli.amount}`);
    }
    const top = report.sections.find((s) => s.id === 'top-memory')?.rows ?? [];
    for (const [type, b] of biggest) {
      const row = top.find((r) => r['key'] === b.key);
      assert.equal(row?.['type'], type, `${b.key} is among the top keys by memory`);
    }
  });

  it('a sample says so, extrapolates proportionally, and its key counts per type agree with redis-cli --bigkeys within sampling error', async () => {
    const [report, bigkeys] = await Promise.all([request('memory', DB), redisCli(['-n', String(DB), '--bigkeys'])]);
    const summary = report.sections.find((s) => s.id === 'summary');
    assert.ok(summary?.rows.some((r) => r['value'] === '10,000 (sample)'));
    assert.match(summary?.description ?? '', new RegExp(`A sample of 10,000 of ${fixture.total.toLocaleString('en-US')} keys .*extrapolated proportionally`));
    const types = report.sections.find((s) => s.id === 'types')?.rows ?? [];
    const n = 10_000;
    for (const [type, cli] of parseSummary(bigkeys).totals) {
      const p = cli.keys / fixture.total;
      const est = Number(types.find((r) => r['type'] === (type === 'hashs' ? 'hash' : type))?.['keys'] ?? 0);
      // Four standard deviations of a binomial share, in keys.
      const allowed = 4 * Math.sqrt(n * p * (1 - p)) * (fixture.total / n) + fixture.total / n;
      assert.ok(Math.abs(est - cli.keys) <= allowed, `${type}: ${est} estimated vs ${cli.keys} (±${Math.round(allowed)})`);
    }
  });

  it('pipelines only bounded commands: a sample sends SCAN, TYPE, MEMORY USAGE … SAMPLES, PTTL and O(1) lengths', async () => {
    const client = await session.dedicated(DB, 'upkeep-test-stats');
    try {
      // Counters before and after (not CONFIG RESETSTAT: other suites read them too).
      const counts = async (): Promise<Map<string, number>> => new Map([...(await admin.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)].map((m) => [m[1] ?? '', Number(m[2])]));
      const before = await counts();
      const sample = await sampleKeyspace(client, { limit: 2_000, memorySamples: 5 });
      assert.equal(sample.stats.length, 2_000);
      assert.equal(sample.complete, false);
      const after = await counts();
      const used = [...after].filter(([c, n]) => n > (before.get(c) ?? 0) && c !== 'info').map(([c]) => c);
      const allowed = new Set(['scan', 'type', 'memory|usage', 'pttl', 'strlen', 'hlen', 'llen', 'scard', 'zcard', 'xlen']);
      assert.deepEqual(used.filter((c) => !allowed.has(c)), [], `sent: ${used.join(', ')}`);
      assert.ok(used.includes('scan') && used.includes('memory|usage'), used.join(', '));
      const gone = await statKeys(client, [Buffer.from('no such key')], 5);
      assert.deepEqual(gone, [], 'a key deleted since SCAN is left out');
    } finally {
      client.disconnect();
    }
  });

  it('small databases are analysed whole; the hostile names come back as their bytes, and a fix script quotes them', async () => {
    await admin.select(SMALL_DB);
    await admin.flushdb();
    const xss = '<img src=x onerror=alert(1)>';
    const binary = Buffer.from([0x6b, 0x3a, 0x00, 0xff, 0x0a]);
    await admin.set(xss, 'x'.repeat(2 * 1024 * 1024));
    await admin.set(binary, 'v');
    for (let i = 0; i < 20; i++) await admin.set(`sess:${i}`, 'v', 'EX', 600 + i);
    await admin.set('sess:leaked', 'v');
    try {
      const report = await request('memory', SMALL_DB);
      assert.ok(report.sections.find((s) => s.id === 'summary')?.rows.some((r) => r['value'] === '23 (all)'));
      const keys = report.sections.find((s) => s.id === 'top-memory')?.rows.map((r) => r['key']);
      assert.equal(keys?.[0], xss);
      assert.ok(keys?.includes('"k:\\x00\\xff\\n"'), JSON.stringify(keys));
      const ttl = report.findings.find((f) => f.id.startsWith('memory:ttl:'));
      assert.equal(ttl?.object, 'sess:');
      assert.equal(ttl?.fixes[0]?.text, `SELECT ${SMALL_DB}\nEXPIRE sess:leaked 610`);
      const script = fixScript(report.findings, 'c', report.database);
      assert.ok(script.split('\n').includes(`UNLINK "${xss}"`), script);
      const buckets = report.sections.find((s) => s.id === 'ttl')?.rows ?? [];
      assert.equal(buckets.find((r) => r['_key'] === 'lt1h')?.['keys'], 20);
      assert.equal(buckets.find((r) => r['_key'] === 'none')?.['keys'], 3);
    } finally {
      await admin.flushdb();
    }
  });

  it('Cancel closes exactly the analysis\'s own connection', async () => {
    const abort = new AbortController();
    const running = request('memory', DB, { signal: abort.signal, options: { full: true } });
    const seen = async (): Promise<boolean> => String(await admin.client('LIST')).includes(`name=${ANALYSIS_CLIENT_NAME}`);
    const deadline = Date.now() + 10_000;
    while (!(await seen()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await seen(), 'the analysis runs on a connection named for it');
    abort.abort();
    await assert.rejects(running);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await seen(), false, 'its connection is closed');
    assert.equal(await session.client.ping(), 'PONG', 'the tree\'s connection is untouched');
  });

  it('health reads a real server: INFO, a SLOWLOG entry with its command and client, LATENCY LATEST', async () => {
    const before = await admin.config('GET', 'slowlog-log-slower-than') as string[];
    const latencyBefore = await admin.config('GET', 'latency-monitor-threshold') as string[];
    await admin.call('SLOWLOG', 'RESET');
    await admin.config('SET', 'slowlog-log-slower-than', '0');
    await admin.config('SET', 'latency-monitor-threshold', '1');
    try {
      await admin.client('SETNAME', 'slow-one');
      await admin.select(DB);
      await admin.set('health:probe', 'v');
      // Test code (not Upkeep) reads a whole 50,000-member set, to leave a latency spike of a millisecond or more.
      for (let i = 0; i < 5; i++) await admin.smembers('big:set');
      await admin.config('SET', 'slowlog-log-slower-than', before[1] ?? '10000');
      const report = await request('health', DB);
      assert.equal(report.server, 'Redis');
      assert.match(report.serverVersion, /^\d+\.\d+\.\d+$/);
      assert.deepEqual(report.sections.map((s) => s.id), ['memory', 'keyspace', 'clients', 'slowlog', 'latency', 'persistence', 'replication']);
      const memory = report.sections.find((s) => s.id === 'memory')?.rows ?? [];
      assert.match(String(memory.find((r) => r['_key'] === 'fragmentation')?.['value']), /^\d+\.\d\d$/);
      const clients = report.sections.find((s) => s.id === 'clients')?.rows ?? [];
      assert.equal(clients.find((r) => r['_key'] === 'max')?.['value'], '10,000');
      const slow = report.sections.find((s) => s.id === 'slowlog')?.rows ?? [];
      const set = slow.find((r) => String(r['command']).startsWith('set health:probe'));
      assert.ok(set, JSON.stringify(slow.slice(0, 5)));
      assert.equal(set['name'], 'slow-one');
      assert.match(String(set['client']), /^127\.0\.0\.1:\d+$/);
      assert.equal(report.findings.find((f) => f.id === 'health:slowlog')?.fixes[0]?.text, 'SLOWLOG RESET');
      const latency = report.sections.find((s) => s.id === 'latency');
      assert.ok(latency?.rows.some((r) => r['event'] === 'command'), JSON.stringify(latency));
      assert.equal(report.sections.find((s) => s.id === 'replication')?.rows[0]?.['value'], 'master');
      assert.equal(report.sections.find((s) => s.id === 'persistence')?.rows.find((r) => r['_key'] === 'aof')?.['value'], 'off');
    } finally {
      await admin.config('SET', 'slowlog-log-slower-than', before[1] ?? '10000');
      await admin.config('SET', 'latency-monitor-threshold', latencyBefore[1] ?? '0');
      await admin.client('SETNAME', 'upkeep');
    }
  });

  it('an ACL user without +config still gets a health report and a memory analysis, with notes', async () => {
    const user = `upkeep-noconfig-${process.pid}`;
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-config', '-slowlog');
    const profile = redisProfile({ user, database: String(ACL_DB) });
    const limited = new RedisSession(profile, password, await openRedis(profile, password));
    try {
      await admin.select(ACL_DB);
      await admin.set('acl:one', '1');
      const req = { session: limited, profile, database: `db${ACL_DB}`, signal: new AbortController().signal, settings: settingsOf({}), storageDir: '/nonexistent' };
      const health = await runRedisReport('health', req);
      assert.match(health.sections.find((s) => s.id === 'memory')?.note ?? '', /CONFIG GET was refused for this user \(NOPERM/);
      assert.match(health.sections.find((s) => s.id === 'slowlog')?.note ?? '', /SLOWLOG GET was refused \(NOPERM/);
      assert.match(health.sections.find((s) => s.id === 'latency')?.note ?? '', /unknown: CONFIG GET latency-monitor-threshold was refused/);
      assert.equal(health.sections.find((s) => s.id === 'clients')?.rows.find((r) => r['_key'] === 'max')?.['value'], '10,000', 'maxclients from INFO');
      const memory = await runRedisReport('memory', req);
      assert.ok(memory.sections.find((s) => s.id === 'summary')?.rows.some((r) => r['value'] === '1 (all)'));
    } finally {
      await limited.dispose();
      await admin.call('ACL', 'DELUSER', user);
      await admin.select(ACL_DB);
      await admin.flushdb();
    }
  });
});
