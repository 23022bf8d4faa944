/**
 * One real problem per engine, planted on the test servers for the health
 * checks to find, each with a `remove()` that puts the server back as it was
 * (safe to call twice, and after a half-done plant): a Redis of its own that
 * can be stopped, a PostgreSQL session left idle in a transaction, a Neo4j
 * index that FAILED, a Docker container whose healthcheck fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import type * as Neo4j from 'neo4j-driver';
import { openDocker } from '../../src/core/docker/connection';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { startRedis } from '../services/redis';
import type { ServicesInfo } from '../services/types';
import { waitFor } from '../services/util';
import { dockerProfile, neo4jProfile, services } from '../integration/services';
import { cypher } from './neo4jCypher';
import { pgClient } from './pg';

export interface Planted {
  /** What was planted, for messages. */
  what: string;
  remove(): Promise<void>;
}

/** A redis-server of the test's own (password, free port, nothing persisted), to be stopped while a profile still names it. */
export interface SpareRedis extends Planted {
  info: ServicesInfo['redis'];
  /** Stops the server (SIGTERM) and waits until it is gone; the port then refuses connections. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

export async function startSpareRedis(): Promise<SpareRedis> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-spare-redis-'));
  const { info, service } = await startRedis(root);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await service.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
  return {
    what: `a Redis of the test's own on port ${info.port}`,
    info,
    stop,
    get stopped() {
      return stopped;
    },
    remove: stop,
  };
}

/** A session that ran BEGIN and a query, then sits idle in its transaction; `application_name` names it in pg_stat_activity. */
export interface IdleTransaction extends Planted {
  applicationName: string;
  /** Resolves once pg_stat_activity shows it idle in its transaction for more than `seconds`. */
  idleLongerThan(seconds: number): Promise<void>;
}

export async function plantIdleTransaction(database: string): Promise<IdleTransaction> {
  const applicationName = `upkeep planted idle ${process.pid}-${Date.now().toString(36)}`;
  const pg = services().postgres;
  const idle = await pgClient(pg, database);
  // A second session watches the first (the idle one must not run anything more: a query would end its idle time).
  const watcher = await pgClient(pg, database);
  const ownState = async (): Promise<{ state: string; idle_secs: number } | undefined> =>
    (await watcher.query<{ state: string; idle_secs: number }>(
      'SELECT state, extract(epoch FROM now() - state_change)::float8 AS idle_secs FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    )).rows[0];
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await idle.query('ROLLBACK').catch(() => undefined);
    await idle.end().catch(() => undefined);
    // Whatever is left of it (the client could not say ROLLBACK) is ended on the server.
    await watcher.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]).catch(() => undefined);
    await watcher.end().catch(() => undefined);
  };
  try {
    await idle.query(`SET application_name = ${idle.escapeLiteral(applicationName)}`);
    await idle.query('BEGIN');
    await idle.query('SELECT txid_current()');
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    what: `a session idle in a transaction (${applicationName})`,
    applicationName,
    async idleLongerThan(seconds) {
      await waitFor(`the planted session to be idle in transaction for ${seconds} s`, async () => {
        const row = await ownState();
        return row?.state === 'idle in transaction' && row.idle_secs > seconds;
      }, 60_000, 100);
    },
    remove,
  };
}

export interface FailedIndex extends Planted {
  name: string;
}

/**
 * A RANGE index on a property too large for its key (about 8 kB on Neo4j
 * 5.26): population fails and SHOW INDEXES says FAILED, as in the schema
 * tests. The label and the index are this plant's own.
 */
export async function plantFailedNeo4jIndex(prefix: string): Promise<FailedIndex> {
  const driver: Neo4j.Driver = await openNeo4jDriver(neo4jProfile(), services().neo4j.password);
  const label = `${prefix}Doc`;
  const name = `${prefix}_failed`;
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    try {
      await cypher(driver, `DROP INDEX \`${name}\` IF EXISTS`);
      await cypher(driver, `MATCH (n:\`${label}\`) DETACH DELETE n`);
    } finally {
      await driver.close();
    }
  };
  try {
    await cypher(driver, `CREATE (:\`${label}\` {body: reduce(s = '', i IN range(1, 5000) | s + 'abcdefghij')})`);
    await cypher(driver, `CREATE INDEX \`${name}\` FOR (n:\`${label}\`) ON (n.body)`);
    await waitFor(`index ${name} to fail`, async () => {
      const s = driver.session({ database: 'neo4j' });
      try {
        const r = await s.run('SHOW INDEXES YIELD name, state WHERE name = $name RETURN state', { name });
        const state = r.records[0]?.get('state') as string | undefined;
        if (state === 'ONLINE') throw new Error(`index ${name} came ONLINE: the server indexed the large value`);
        return state === 'FAILED';
      } finally {
        await s.close();
      }
    }, 60_000, 200);
  } catch (err) {
    await remove();
    throw err;
  }
  return { what: `the FAILED Neo4j index ${name}`, name, remove };
}

export interface UnhealthyContainer extends Planted {
  name: string;
}

/** A container of the test image whose healthcheck always fails, running until it reports unhealthy. */
export async function plantUnhealthyContainer(name: string): Promise<UnhealthyContainer> {
  const docker: Dockerode = await openDocker(dockerProfile());
  const c = await docker.createContainer({
    name,
    Image: services().docker.image,
    Cmd: ['sleep', '600'],
    Labels: { 'upkeep.test': name },
    // Every 0.2 s, one failure is enough: unhealthy about a second after start.
    Healthcheck: { Test: ['CMD', 'false'], Interval: 200_000_000, Timeout: 1_000_000_000, Retries: 1, StartPeriod: 0 },
    HostConfig: { NetworkMode: 'none' },
  });
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await c.remove({ force: true }).catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    });
  };
  try {
    await c.start();
    await waitFor(`container ${name} to be unhealthy`, async () => ((await c.inspect()) as { State: { Health?: { Status?: string } } }).State.Health?.Status === 'unhealthy', 60_000, 100);
  } catch (err) {
    await remove();
    throw err;
  }
  return { what: `the unhealthy container ${name}`, name, remove };
}
