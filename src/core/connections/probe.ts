import * as net from 'node:net';
import { type ConnectionProfile, DEFAULT_PORTS, describeTarget, ENGINE_LABELS } from './profile';
import { type ConnectionProblem, describeConnectionError } from './errors';
import { type Logger, silentLogger } from '../log';
import { redact } from './redact';
import { PostgresConnection } from '../postgres/connection';
import { neo4jServerInfo, openNeo4jDriver } from '../neo4j/connection';
import { openRedis, redisServerInfo } from '../redis/connection';
import { dockerServerInfo, openDocker } from '../docker/connection';

export type ProbeResult =
  | { ok: true; summary: string; durationMs: number }
  | { ok: false; problem: ConnectionProblem; durationMs: number };

/**
 * "Test connection": connects, authenticates, reads the server version, closes.
 * Never throws; a failure comes back as a one-line problem, the detail goes to the log.
 */
export async function probeConnection(profile: ConnectionProfile, password: string | undefined, log: Logger = silentLogger): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const summary = await withDeadline(probeEngine(profile, password), profile.connectTimeoutMs + 2_000);
    log.info(`Test connection ${profile.name} (${ENGINE_LABELS[profile.engine]}): ${summary}`);
    return { ok: true, summary, durationMs: Date.now() - started };
  } catch (err) {
    let problem = describeConnectionError(profile, err, [password]);
    if (problem.kind === 'timeout' && profile.tls !== 'disable' && profile.host && (await tcpAnswers(profile.host, profile.port ?? DEFAULT_PORTS[profile.engine]))) {
      // The port takes TCP connections but the TLS handshake never finished: a plain-text
      // server reading our ClientHello as a partial command (Redis does exactly this).
      problem = { kind: 'tls-refused', message: `${ENGINE_LABELS[profile.engine]} at ${describeTarget(profile)} accepted the connection but never answered the TLS handshake: it probably does not speak TLS on this port. Set TLS to "disable", or enable TLS on the server.` };
    }
    const detail = err instanceof Error ? `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}` : String(err);
    log.error(`Test connection ${profile.name} failed (${problem.kind}): ${redact(detail, [password])}`);
    return { ok: false, problem, durationMs: Date.now() - started };
  }
}

async function probeEngine(profile: ConnectionProfile, password: string | undefined): Promise<string> {
  switch (profile.engine) {
    case 'postgres': {
      const conn = new PostgresConnection(profile, password);
      try {
        const info = await conn.serverInfo();
        return `PostgreSQL ${formatPgVersion(info.versionNum)}, database ${info.database} as ${info.user}${info.inRecovery ? ' (standby)' : ''}`;
      } finally {
        await conn.dispose();
      }
    }
    case 'neo4j': {
      const driver = await openNeo4jDriver(profile, password);
      try {
        const info = await neo4jServerInfo(driver, profile.database);
        return `Neo4j ${info.version} ${info.edition}, database ${info.database}`;
      } finally {
        await driver.close();
      }
    }
    case 'redis': {
      const client = await openRedis(profile, password);
      try {
        const info = await redisServerInfo(client);
        return `Redis ${info.version} (${info.mode}), ${info.usedMemoryHuman} used`;
      } finally {
        client.disconnect();
      }
    }
    case 'docker': {
      const info = await dockerServerInfo(await openDocker(profile));
      return `Docker Engine ${info.version} (API ${info.apiVersion}, ${info.os})`;
    }
  }
}

export function formatPgVersion(versionNum: number): string {
  // 150019 → 15.19; 90624 → 9.6.24
  if (versionNum >= 100000) return `${Math.floor(versionNum / 10000)}.${versionNum % 10000}`;
  return `${Math.floor(versionNum / 10000)}.${Math.floor(versionNum / 100) % 100}.${versionNum % 100}`;
}

/** Rejects with a timeout error when the promise takes longer than `ms`; drivers' own timeouts do not cover every stage. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** True when a plain TCP connection to host:port opens within `ms`. */
function tcpAnswers(host: string, port: number, ms = 1_500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
