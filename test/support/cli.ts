/**
 * The built `upkeep` command (dist/cli.js) as cron runs it: a child process
 * with a clean environment, a settings file written as VS Code writes one,
 * and the test servers' connections with hostile names — shared by the CLI's
 * integration suites.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import type IORedis from 'ioredis';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { Report } from '../../src/core/reports/model';
import { openRedis } from '../../src/core/redis/connection';
import { dropDatabase, recreateDatabase } from './pg';
import { dockerProfile, neo4jProfile, pgProfile, redisProfile, services, uniqueName } from '../integration/services';

const ROOT = path.resolve(__dirname, '../../..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const XSS = '<img src=x onerror=alert(1)>';
/** The children's home: what a report keeps (capacity snapshots under ~/.local/share/upkeep) stays in it, removed after each suite. */
const CHILD_HOME = path.join(os.tmpdir(), `upkeep-cli-home-${process.pid}`);
/** The CLI suites' Redis database (the other suites use 1–10). */
export const REDIS_DB = 11;

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The child's argv as the kernel shows it to every user (/proc/<pid>/cmdline). */
  cmdline: string;
}

/** Runs dist/cli.js with `args` and only `env` added to a clean environment (no UPKEEP_* from outside). */
export function upkeep(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return startUpkeep(args, env).done;
}

/** As `upkeep`, with the child at hand (to signal it) while it runs. */
export function startUpkeep(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Ran> } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('UPKEEP_') && k !== 'PGPASSWORD' && k !== 'PGPASSFILE'));
  let started: ChildProcess | undefined;
  const done = new Promise<Ran>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, HOME: CHILD_HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    started = child;
    let stdout = '';
    let stderr = '';
    let cmdline = '';
    // Read what the kernel shows of the child once it runs the CLI (before that, it is still the forked parent).
    const poll = setInterval(() => {
      try {
        const text = fs.readFileSync(`/proc/${child.pid ?? 0}/cmdline`, 'utf8');
        if (text.includes('cli.js')) {
          cmdline = text;
          clearInterval(poll);
        }
      } catch {
        clearInterval(poll);
      }
    }, 5);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, cmdline });
    });
  });
  if (!started) throw new Error('the child did not start');
  return { child: started, done };
}

/** A settings file; the test servers have no backups, so the last-backup check (upkeep.health.checkBackups) is off unless a test turns it on. */
export function writeConfig(dir: string, values: Record<string, unknown>): string {
  const settings = { 'upkeep.health.checkBackups': false, ...values };
  const file = path.join(dir, `${uniqueName('upkeep')}.json`);
  // As VS Code writes settings: comments and trailing commas.
  fs.writeFileSync(file, `// written by the CLI test\n${JSON.stringify(settings, null, 2).replace(/\n}$/, ',\n}')}\n`);
  return file;
}

/** A settings entry as the editor stores it (no secret in it). */
export function entry(p: ConnectionProfile, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...p, ...extra };
}

/** What must match between a report from the CLI and one from the core builder, whatever the data. */
export function shapeOf(r: Report): unknown {
  return {
    kind: r.kind, title: r.title, connectionName: r.connectionName, database: r.database, server: r.server, serverVersion: r.serverVersion,
    sections: r.sections.map((s) => ({ id: s.id, title: s.title, columns: s.columns, chart: s.chart })),
    findingKeys: Object.keys(r.findings[0] ?? {}).sort(),
  };
}

/** What the CLI suites work with, filled in by the fixture's `before`. */
export interface CliFixture {
  dir: string;
  /** The HTTP server's address: /health answers 200 "healthy", /hang never answers, anything else 500. */
  base: string;
  pg: ConnectionProfile;
  redis: ConnectionProfile;
  neo4j: ConnectionProfile;
  docker: ConnectionProfile;
  /** This run's PostgreSQL database, with a table and an index named with HTML. */
  database: string;
  /** The passwords, as the CLI reads them: the profile's variable (PostgreSQL), UPKEEP_PASSWORD_<ID> (Redis, Neo4j). */
  env: Record<string, string>;
  pgVar: string;
  /** Every connection and the /health endpoint. */
  healthyConfig: string;
  /** Called when a request reaches /hang, and when it closes. */
  onHang?: () => void;
  onHangClosed?: () => void;
}

/** Registers the fixture's hooks in the calling `describe` (they run before the suite's own). */
export function useCliFixture(): CliFixture {
  const f = { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-cli-it-')), pgVar: `UPKEEP_TEST_PG_${process.pid}` } as CliFixture;
  let server: http.Server | undefined;
  let pgClient: Client | undefined;
  let redisAdmin: IORedis | undefined;
  const hanging: http.ServerResponse[] = [];
  before(async () => {
    const web = http.createServer((req, res) => {
      if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy');
      else if (req.url === '/hang') {
        // Never answers: the CLI must give up on it (its timeout, or Ctrl+C), not this server.
        hanging.push(res);
        f.onHang?.();
        req.on('close', () => f.onHangClosed?.());
      } else res.writeHead(500).end('boom');
    });
    server = web;
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    f.base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    f.database = uniqueName('upkeep_cli');
    pgClient = await recreateDatabase(services().postgres, f.database);
    await pgClient.query(`CREATE TABLE ${pgClient.escapeIdentifier(XSS)} (id int PRIMARY KEY, note text)`);
    await pgClient.query(`CREATE INDEX ${pgClient.escapeIdentifier(`${XSS}_note`)} ON ${pgClient.escapeIdentifier(XSS)} (note)`);
    await pgClient.query(`INSERT INTO ${pgClient.escapeIdentifier(XSS)} SELECT g, 'n' || g FROM generate_series(1, 2000) g`);
    await pgClient.query(`ANALYZE ${pgClient.escapeIdentifier(XSS)}`);
    // The PostgreSQL password from the profile's own variable, Neo4j's and Redis's from UPKEEP_PASSWORD_<ID>.
    f.pg = pgProfile({ id: 'cli-pg.1', name: `Prod "main" ${XSS}`, database: f.database, passwordSource: 'env', passwordEnv: f.pgVar });
    f.redis = redisProfile({ id: 'cli-redis', name: 'Cache ✓', database: String(REDIS_DB) });
    f.neo4j = neo4jProfile({ id: 'cli-neo4j', name: 'Graph' });
    f.docker = dockerProfile({ id: 'cli-docker', name: 'Engine' });
    f.env = { [f.pgVar]: services().postgres.password, UPKEEP_PASSWORD_CLI_REDIS: services().redis.password, UPKEEP_PASSWORD_CLI_NEO4J: services().neo4j.password };
    f.healthyConfig = writeConfig(f.dir, {
      'upkeep.connections': [entry(f.pg), entry(f.redis), entry(f.neo4j), entry(f.docker)],
      'upkeep.health.endpoints': [{ name: 'api', url: `${f.base}/health`, bodyMatches: 'healthy' }],
    });
    redisAdmin = await openRedis(redisProfile(), services().redis.password);
    await redisAdmin.select(REDIS_DB);
    await redisAdmin.flushdb();
    for (let i = 0; i < 50; i++) await redisAdmin.set(`cli:${XSS}:${i}`, 'x'.repeat(100 + i));
    await redisAdmin.hset('cli:hash', { a: '1', b: '2' });
  });

  after(async () => {
    for (const res of hanging) res.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await pgClient?.end();
    await dropDatabase(services().postgres, f.database).catch(() => undefined);
    await redisAdmin?.flushdb();
    redisAdmin?.disconnect();
    fs.rmSync(f.dir, { recursive: true, force: true });
    fs.rmSync(CHILD_HOME, { recursive: true, force: true });
  });
  return f;
}

/** No password of the test servers in the child's output or in its argv as the kernel shows it. */
export function assertNoSecret(ran: Ran): void {
  for (const s of [services().postgres.password, services().redis.password, services().neo4j.password]) {
    assert.ok(!ran.stdout.includes(s) && !ran.stderr.includes(s), 'no password in the output');
    assert.ok(!ran.cmdline.includes(s), 'no password in the child\'s argv');
  }
}
