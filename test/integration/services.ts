import { readServices, startServices, type Services, type ServicesInfo } from '../services/index';
import type { ConnectionProfile } from '../../src/core/connections/profile';

let own: Services | undefined;
let info: ServicesInfo | undefined;

/**
 * The servers this tier talks to: the ones `npm test` started (their file is
 * named by UPKEEP_SERVICES_FILE), or, when the tier runs alone, its own set.
 */
export async function ensureServices(): Promise<ServicesInfo> {
  if (info) return info;
  info = readServices();
  if (info) return info;
  own = await startServices(undefined, () => undefined);
  info = own.info;
  return info;
}

export function services(): ServicesInfo {
  if (!info) throw new Error('Test services are not running: the integration root hook did not start them.');
  return info;
}

export async function stopOwnServices(): Promise<void> {
  if (own) await own.stop();
  own = undefined;
  info = undefined;
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export function pgProfile(overrides: Partial<ConnectionProfile> = {}): ConnectionProfile {
  const s = services().postgres;
  return {
    id: uniqueName('pg'), engine: 'postgres', name: 'Test PostgreSQL', host: s.host, port: s.port, user: s.user, database: s.database,
    tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000, ...overrides,
  };
}

export function redisProfile(overrides: Partial<ConnectionProfile> = {}): ConnectionProfile {
  const s = services().redis;
  return { id: uniqueName('redis'), engine: 'redis', name: 'Test Redis', host: s.host, port: s.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000, ...overrides };
}

export function neo4jProfile(overrides: Partial<ConnectionProfile> = {}): ConnectionProfile {
  const s = services().neo4j;
  return {
    id: uniqueName('neo4j'), engine: 'neo4j', name: 'Test Neo4j', host: s.host, port: s.port, user: s.user, scheme: 'bolt',
    tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 8_000, ...overrides,
  };
}

export function dockerProfile(overrides: Partial<ConnectionProfile> = {}): ConnectionProfile {
  return { id: uniqueName('docker'), engine: 'docker', name: 'Test Docker', socketPath: services().docker.socketPath, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000, ...overrides };
}

/** A port nothing listens on (bound then released a moment ago). */
export { freePort as closedPort } from '../services/util';

export function rabbitProfile(overrides: Partial<ConnectionProfile> = {}): ConnectionProfile {
  const s = services().rabbitmq;
  return {
    id: uniqueName('rabbitmq'), engine: 'rabbitmq', name: 'Test RabbitMQ', host: s.host, port: s.managementPort, user: s.user,
    tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 8_000, ...overrides,
  };
}
