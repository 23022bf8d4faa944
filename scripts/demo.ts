/**
 * `npm run demo`: Upkeep against real local servers. Packages the extension,
 * starts PostgreSQL, Neo4j, Redis, Docker and RabbitMQ with a little data, starts
 * code-server with the .vsix installed and one connection per engine in its
 * user settings, and prints the URL to open. The connections take their
 * passwords from where people already keep them — PostgreSQL's from a 0600
 * pgpass file named by PGPASSFILE, Neo4j's, Redis's and RabbitMQ's from environment
 * variables of code-server — so they connect at once. Ctrl-C stops everything.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { describeServices, startServices, type ServicesInfo } from '../test/services/index';
import { REPO_ROOT, startCodeServer } from '../test/support/codeServer';
import { packagedVsix } from '../test/e2e/workbench';

async function seedPostgres(info: ServicesInfo['postgres']): Promise<void> {
  const admin = new Client({ host: info.host, port: info.port, user: info.user, password: info.password, database: 'postgres' });
  await admin.connect();
  await admin.query('CREATE DATABASE shop');
  await admin.end();
  const c = new Client({ host: info.host, port: info.port, user: info.user, password: info.password, database: 'shop' });
  await c.connect();
  await c.query(`
    CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text);
    INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 20000) g;
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, total numeric(10,2), created timestamptz DEFAULT now());
    INSERT INTO orders SELECT g, 1 + g % 20000, (g % 997) / 10.0, now() - (g || ' minutes')::interval FROM generate_series(1, 200000) g;
    CREATE TABLE "Order Lines" (order_id bigint, line int, sku text);
    INSERT INTO "Order Lines" SELECT g / 3, g % 3, 'SKU-' || (g % 500) FROM generate_series(1, 60000) g;
    CREATE TABLE audit_log AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 100000) g;
    DELETE FROM audit_log WHERE id % 2 = 0;
    CREATE SCHEMA "Sales Ω";
    CREATE TABLE "Sales Ω".targets (region text, amount numeric);
    ANALYZE customers; ANALYZE orders; ANALYZE "Order Lines";
  `);
  await c.end();
}

/** Environment variables code-server (and so the extension host) starts with: where the demo's passwords are. */
const NEO4J_PASSWORD_ENV = 'UPKEEP_DEMO_NEO4J_PASSWORD';
const REDIS_PASSWORD_ENV = 'UPKEEP_DEMO_REDIS_PASSWORD';
const RABBITMQ_PASSWORD_ENV = 'UPKEEP_DEMO_RABBITMQ_PASSWORD';

/** A queue with messages and nobody consuming them, through the management API (what the RabbitMQ view and report flag). */
async function seedRabbitmq(info: ServicesInfo['rabbitmq']): Promise<void> {
  const base = `http://${info.host}:${info.managementPort}/api`;
  const headers = { authorization: `Basic ${Buffer.from(`${info.user}:${info.password}`).toString('base64')}`, 'content-type': 'application/json' };
  const put = await fetch(`${base}/queues/%2F/orders.created`, { method: 'PUT', headers, body: JSON.stringify({ durable: true }) });
  if (!put.ok) throw new Error(`RabbitMQ demo queue: HTTP ${put.status}`);
  for (let i = 1; i <= 25; i++) {
    await fetch(`${base}/exchanges/%2F/amq.default/publish`, { method: 'POST', headers, body: JSON.stringify({ properties: {}, routing_key: 'orders.created', payload: JSON.stringify({ order: i }), payload_encoding: 'string' }) });
  }
}

/** A pgpass field with libpq's escapes. */
function pgpassField(text: string): string {
  return text.replace(/[\\:]/g, (c) => `\\${c}`);
}

/** The demo's password file: one line for the demo server, readable by its owner only (libpq ignores it otherwise). */
function writePgpass(file: string, info: ServicesInfo['postgres']): void {
  fs.writeFileSync(file, `# Upkeep demo\n${info.host}:${info.port}:*:${pgpassField(info.user)}:${pgpassField(info.password)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function demoConnections(info: ServicesInfo): Record<string, unknown>[] {
  return [
    { id: 'demo-pg', engine: 'postgres', name: 'Shop (demo)', host: info.postgres.host, port: info.postgres.port, user: info.postgres.user, database: 'shop', tls: 'disable', production: true, passwordSource: 'pgpass' },
    { id: 'demo-neo4j', engine: 'neo4j', name: 'Graph (demo)', host: info.neo4j.host, port: info.neo4j.port, user: info.neo4j.user, scheme: 'bolt', tls: 'disable', passwordSource: 'env', passwordEnv: NEO4J_PASSWORD_ENV },
    { id: 'demo-redis', engine: 'redis', name: 'Cache (demo)', host: info.redis.host, port: info.redis.port, database: '0', tls: 'disable', readOnly: true, passwordSource: 'env', passwordEnv: REDIS_PASSWORD_ENV },
    { id: 'demo-docker', engine: 'docker', name: 'Local engine (demo)', socketPath: info.docker.socketPath, tls: 'disable' },
    { id: 'demo-rabbitmq', engine: 'rabbitmq', name: 'Broker (demo)', host: info.rabbitmq.host, port: info.rabbitmq.managementPort, user: info.rabbitmq.user, tls: 'disable', passwordSource: 'env', passwordEnv: RABBITMQ_PASSWORD_ENV },
  ];
}

async function main(): Promise<void> {
  console.log('Packaging the extension…');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs')], { stdio: 'inherit', cwd: REPO_ROOT });
  const services = await startServices(path.join(REPO_ROOT, '.upkeep-demo', 'services.json'));
  let stopping = false;
  const cleanups: (() => Promise<void>)[] = [() => services.stop()];
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping code-server and the services…');
    void Promise.allSettled(cleanups.reverse().map((f) => f())).then(() => process.exit(code));
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  try {
    await seedPostgres(services.info.postgres);
    await seedRabbitmq(services.info.rabbitmq);
    const stateDir = path.join(REPO_ROOT, '.upkeep-demo');
    const workspace = path.join(stateDir, 'workspace');
    fs.rmSync(path.join(stateDir, 'user-data'), { recursive: true, force: true });
    fs.mkdirSync(workspace, { recursive: true });
    // A workspace of an earlier demo held the connections in its settings; they live in user settings now.
    fs.rmSync(path.join(workspace, '.vscode', 'settings.json'), { force: true });
    fs.writeFileSync(path.join(workspace, 'maintenance.sql'), '-- Weekly routine for the shop database\nVACUUM (ANALYZE) public.audit_log;\nREINDEX TABLE CONCURRENTLY public.orders;\n');
    const pgpass = path.join(stateDir, 'pgpass');
    writePgpass(pgpass, services.info.postgres);
    const server = await startCodeServer({
      folder: workspace,
      stateDir,
      vsix: packagedVsix(),
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'upkeep.connections': demoConnections(services.info) },
      env: { PGPASSFILE: pgpass, [NEO4J_PASSWORD_ENV]: services.info.neo4j.password, [REDIS_PASSWORD_ENV]: services.info.redis.password, [RABBITMQ_PASSWORD_ENV]: services.info.rabbitmq.password },
    });
    cleanups.push(() => server.stop());
    const info = services.info;
    console.log(`
Upkeep demo is running.

  Open   ${server.url}/?folder=${encodeURIComponent(workspace)}
         then click the Upkeep icon in the activity bar.

Your user settings hold five connections and no passwords, and each connects
at once: PostgreSQL reads its password from the pgpass file (PGPASSFILE, 0600)
  ${pgpass}
and Neo4j, Redis and RabbitMQ from code-server's environment variables
  ${NEO4J_PASSWORD_ENV}, ${REDIS_PASSWORD_ENV} and ${RABBITMQ_PASSWORD_ENV}.

${describeServices(info)}

Press Ctrl-C to stop.`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    stop(1);
  }
}

void main();
