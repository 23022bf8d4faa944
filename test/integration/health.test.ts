/**
 * The health run against the real test servers: healthy servers are ok,
 * thresholds forced by settings turn checks into warnings, a planted problem
 * (an idle transaction, an unhealthy container) is named, a server that
 * accepts and never answers is "unknown" while the others are checked, and
 * HTTP endpoints are judged by a local server.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { SettingsReader } from '../../src/core/engine';
import type { HealthEndpoint, HealthRun, SubjectHealth } from '../../src/core/health/model';
import { runHealth } from '../../src/core/health/run';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { openRedis } from '../../src/core/redis/connection';
import { loadPg } from '../../src/core/drivers';
import { pgClientConfig } from '../../src/core/postgres/connection';
import { plantUnhealthyContainer } from '../support/plantedProblems';
import { waitUntil } from './dockerFixture';
import { dockerProfile, neo4jProfile, pgProfile, redisProfile, services, uniqueName } from './services';

const HOSTILE = `<img src=x onerror=alert(1)> "Ünïcode" 'q'`;

function settingsOf(values: Record<string, unknown> = {}): SettingsReader {
  return { get: <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback) };
}

function passwordOf(p: ConnectionProfile): Promise<string | undefined> {
  const s = services();
  const byEngine: Record<string, string | undefined> = { postgres: s.postgres.password, redis: s.redis.password, neo4j: s.neo4j.password, docker: undefined };
  return Promise.resolve(p.host === '127.0.0.1' && p.port !== undefined && hanging.has(p.port) ? 'x' : byEngine[p.engine]);
}

const hanging = new Set<number>();

async function run(profiles: ConnectionProfile[], endpoints: HealthEndpoint[] = [], values: Record<string, unknown> = {}, extra: { timeoutMs?: number; backupFolder?: string } = {}): Promise<HealthRun> {
  return runHealth(profiles, endpoints, {
    settings: settingsOf(values),
    passwordFor: passwordOf,
    ...(extra.backupFolder ? { backupFolder: () => extra.backupFolder } : {}),
    timeoutMs: extra.timeoutMs ?? 20_000,
  });
}

const describeChecks = (s: SubjectHealth | undefined): string => JSON.stringify(s?.checks.map((c) => `${c.id}:${c.severity}: ${c.reason}`), null, 1);
const checkOf = (s: SubjectHealth | undefined, id: string): { severity: string; reason: string } => {
  const c = s?.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${describeChecks(s)}`);
  return c;
};

describe('health run against the test servers', function () {
  this.timeout(120_000);

  it('healthy servers of every engine: ok, each check with a reason', async () => {
    const profiles = [pgProfile({ name: HOSTILE }), redisProfile(), neo4jProfile(), dockerProfile()];
    const result = await run(profiles);
    assert.equal(result.subjects.length, 4);
    for (const s of result.subjects) {
      assert.equal(s.worst, 'ok', `${s.subject.name}: ${describeChecks(s)}`);
      assert.ok(s.checks.length >= 3, describeChecks(s));
      assert.ok(s.checks.every((c) => c.reason.length > 0));
    }
    assert.equal(result.worst, 'ok');
    assert.equal(result.subjects[0]?.subject.name, HOSTILE);
    assert.deepEqual(result.subjects[0]?.checks.map((c) => c.id), ['reachable', 'cache-hit', 'connections', 'long-transactions', 'wraparound', 'replication']);
  });

  it('PostgreSQL: an idle transaction past longQuerySeconds and a forced wraparound age warn; its health session goes away', async () => {
    const profile = pgProfile();
    const pg = await loadPg();
    const client = new pg.Client(pgClientConfig(profile, services().postgres.password));
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1');
      const result = await run([profile], [], { 'upkeep.reports.longQuerySeconds': 0, 'upkeep.reports.wraparoundWarnAge': 1 });
      const s = result.subjects[0];
      assert.equal(s?.worst, 'warning', describeChecks(s));
      assert.equal(checkOf(s, 'long-transactions').severity, 'warning');
      assert.match(checkOf(s, 'long-transactions').reason, /idle in transaction/);
      assert.equal(checkOf(s, 'wraparound').severity, 'warning');
      assert.match(checkOf(s, 'wraparound').reason, /warning from 1,/);
      // The check's own connection is closed after the run (it named itself in pg_stat_activity).
      await waitUntil('the health session to end', async () => {
        // Inside BEGIN, pg_stat_activity is read once per transaction: clear that snapshot so each look is fresh.
        await client.query('SELECT pg_stat_clear_snapshot()');
        const left = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'Upkeep health %'");
        return left.rows[0]?.n === '0';
      });
    } finally {
      await client.end();
    }
  });

  it('PostgreSQL: the last backup check reads the backup folder (none there: a warning; the setting names the days)', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-health-backups-'));
    try {
      const result = await run([pgProfile()], [], { 'upkeep.backup.staleDays': 3 }, { backupFolder: folder });
      const c = checkOf(result.subjects[0], 'last-backup');
      assert.equal(c.severity, 'warning');
      assert.match(c.reason, /no backup found \(warning after 3 d without one\)/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('Redis: memory against a maxmemory over the warning share warns, and the server is left as it was', async () => {
    const profile = redisProfile();
    const client = await openRedis(profile, services().redis.password);
    const before = (await client.call('CONFIG', 'GET', 'maxmemory')) as string[];
    try {
      await client.call('CONFIG', 'SET', 'maxmemory', String(1024 ** 3));
      const result = await run([profile], [], { 'upkeep.redis.memoryWarnPercent': 0.0001 });
      const c = checkOf(result.subjects[0], 'memory');
      assert.equal(c.severity, 'warning');
      assert.match(c.reason, /of 1\.0 GB maxmemory .*warning from 0\.0001 %/);
    } finally {
      await client.call('CONFIG', 'SET', 'maxmemory', before[1] ?? '0');
      client.disconnect();
    }
  });

  it('Neo4j: an open transaction longer than longTransactionSeconds warns', async () => {
    const profile = neo4jProfile();
    const driver = await openNeo4jDriver(profile, services().neo4j.password);
    const session = driver.session();
    const tx = session.beginTransaction();
    try {
      await tx.run('RETURN 1');
      const result = await run([profile], [], { 'upkeep.neo4j.longTransactionSeconds': 0 });
      const c = checkOf(result.subjects[0], 'long-transactions');
      assert.equal(c.severity, 'warning', describeChecks(result.subjects[0]));
      assert.equal(checkOf(result.subjects[0], 'failed-indexes').severity, 'ok');
    } finally {
      await tx.rollback();
      await session.close();
      await driver.close();
    }
  });

  it('Docker: an unhealthy container is critical and named; reclaimable disk over the setting warns', async () => {
    const planted = await plantUnhealthyContainer(uniqueName('unhealthy'));
    const { name } = planted;
    try {
      const result = await run([dockerProfile()], [], { 'upkeep.health.dockerReclaimableBytes': 0 });
      const s = result.subjects[0];
      assert.equal(s?.worst, 'critical', describeChecks(s));
      assert.match(checkOf(s, 'containers').reason, new RegExp(`unhealthy: .*${name}`));
      assert.equal(checkOf(s, 'reclaimable').severity, 'warning');
    } finally {
      await planted.remove();
    }
  });

  describe('a server that accepts and never answers', () => {
    let server: net.Server;
    const sockets = new Set<net.Socket>();
    let port = 0;
    before(async () => {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      hanging.add(port);
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('PostgreSQL and Redis there are unknown within the limit, the healthy ones beside them are checked', async () => {
      const stuckPg = pgProfile({ name: 'stuck pg', host: '127.0.0.1', port, connectTimeoutMs: 120_000 });
      const stuckRedis = redisProfile({ name: 'stuck redis', host: '127.0.0.1', port, connectTimeoutMs: 120_000 });
      const result = await run([stuckPg, stuckRedis, pgProfile(), redisProfile()], [], {}, { timeoutMs: 1_500 });
      const [a, b, c, d] = result.subjects;
      for (const s of [a, b]) {
        assert.equal(s?.worst, 'unknown', describeChecks(s));
        assert.match(checkOf(s, 'reachable').reason, /1\.5 s/);
      }
      assert.equal(c?.worst, 'ok', describeChecks(c));
      assert.equal(d?.worst, 'ok', describeChecks(d));
      assert.equal(result.worst, 'unknown');
    });
  });

  describe('HTTP endpoints, against a local server', () => {
    let server: http.Server;
    let base = '';
    let refusedUrl = '';
    before(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/ok') res.writeHead(200).end('{"status":"ok"}');
        else if (req.url === '/fail') res.writeHead(500).end('boom');
        else if (req.url === '/body') res.writeHead(200).end('{"status":"degraded"}');
        // /hang: never answers.
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('200 with a matching body is ok; 500, a body mismatch, refused and no answer are critical', async () => {
      const result = await run([], [
        { name: 'ok', url: `${base}/ok`, bodyMatches: '"status":"ok"' },
        { name: HOSTILE, url: `${base}/fail` },
        { name: 'body', url: `${base}/body`, bodyMatches: '"status":"ok"' },
        { name: 'refused', url: refusedUrl },
        { name: 'hang', url: `${base}/hang`, timeoutMs: 500 },
      ]);
      const by = new Map(result.subjects.map((s) => [s.subject.name, s]));
      assert.equal(by.get('ok')?.worst, 'ok', describeChecks(by.get('ok')));
      assert.equal(by.get(HOSTILE)?.worst, 'critical');
      assert.match(checkOf(by.get(HOSTILE), 'http-status').reason, /HTTP 500/);
      assert.equal(by.get('body')?.worst, 'critical');
      assert.match(checkOf(by.get('body'), 'http-body').reason, /does not match/);
      assert.equal(by.get('refused')?.worst, 'critical');
      assert.match(checkOf(by.get('refused'), 'http-status').reason, /ECONNREFUSED/);
      assert.equal(by.get('hang')?.worst, 'critical');
      assert.match(checkOf(by.get('hang'), 'http-status').reason, /no answer within 0\.5 s/);
      assert.equal(result.worst, 'critical');
    });
  });
});
