import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunningService, ServicesInfo } from './types';
import { startPostgres } from './postgres';
import { startRedis } from './redis';
import { startDocker } from './docker';
import { startNeo4j } from './neo4j';
import { startRabbitMq } from './rabbitmq';

export type { ServicesInfo } from './types';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Where a running set of services describes itself; tiers started separately read it. */
export const DEFAULT_SERVICES_FILE = path.join(REPO_ROOT, 'test-results', 'services.json');

export interface Services {
  info: ServicesInfo;
  file: string;
  stop(): Promise<void>;
}

/**
 * Starts all five servers side by side (they are independent), health-checks
 * each, writes their addresses to `file`. If one fails the others are stopped
 * and the error names what is missing.
 */
export async function startServices(file = DEFAULT_SERVICES_FILE, log: (line: string) => void = (l) => console.log(l)): Promise<Services> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-svc-'));
  fs.chmodSync(root, 0o755);
  const started: RunningService[] = [];
  const timed = async <T extends { service: RunningService }>(name: string, start: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await start();
    started.push(result.service);
    log(`  ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  };
  log(`Starting test services in ${root}`);
  const results = await Promise.allSettled([
    timed('postgres', () => startPostgres(root)),
    timed('redis', () => startRedis(root)),
    timed('docker', () => startDocker(root)),
    timed('neo4j', () => startNeo4j(root)),
    timed('rabbitmq', () => startRabbitMq(root)),
  ] as const);
  const stop = async (): Promise<void> => {
    await Promise.allSettled(started.map((s) => s.stop()));
    fs.rmSync(root, { recursive: true, force: true });
    if (fs.existsSync(file)) fs.rmSync(file);
  };
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${['postgres', 'redis', 'docker', 'neo4j', 'rabbitmq'][i]}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
  if (failures.length) {
    await stop();
    throw new Error(`Test services could not start:\n  ${failures.join('\n  ')}`);
  }
  const [pg, redis, docker, neo4j, rabbitmq] = results as unknown as [
    PromiseFulfilledResult<Awaited<ReturnType<typeof startPostgres>>>,
    PromiseFulfilledResult<Awaited<ReturnType<typeof startRedis>>>,
    PromiseFulfilledResult<Awaited<ReturnType<typeof startDocker>>>,
    PromiseFulfilledResult<Awaited<ReturnType<typeof startNeo4j>>>,
    PromiseFulfilledResult<Awaited<ReturnType<typeof startRabbitMq>>>,
  ];
  const info: ServicesInfo = { postgres: pg.value.info, redis: redis.value.info, docker: docker.value.info, neo4j: neo4j.value.info, rabbitmq: rabbitmq.value.info };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  return { info, file, stop };
}

export function describeServices(info: ServicesInfo): string {
  return [
    `  PostgreSQL  postgres://${info.postgres.user}:${info.postgres.password}@${info.postgres.host}:${info.postgres.port}/${info.postgres.database}`,
    `  Redis       redis://:${info.redis.password}@${info.redis.host}:${info.redis.port}`,
    `  Neo4j       ${info.neo4j.url}  (user ${info.neo4j.user}, password ${info.neo4j.password})`,
    `  Docker      unix://${info.docker.socketPath}  (image ${info.docker.image})`,
    `  RabbitMQ    http://${info.rabbitmq.host}:${info.rabbitmq.managementPort}  (user ${info.rabbitmq.user}, password ${info.rabbitmq.password}; AMQP ${info.rabbitmq.amqpPort})`,
  ].join('\n');
}

/** Reads the services a parent process started; undefined when none are running. */
export function readServices(file = process.env['UPKEEP_SERVICES_FILE'] ?? DEFAULT_SERVICES_FILE): ServicesInfo | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ServicesInfo;
}
