import { type ConnectionProfile, ENGINE_LABELS } from './profile';
import { type ConnectionProblem, describeConnectionError } from './errors';
import { type Logger, silentLogger } from '../log';
import { redact } from './redact';

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
    const problem = describeConnectionError(profile, err, [password]);
    const detail = err instanceof Error ? `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}` : String(err);
    log.error(`Test connection ${profile.name} failed (${problem.kind}): ${redact(detail, [password])}`);
    return { ok: false, problem, durationMs: Date.now() - started };
  }
}

async function probeEngine(profile: ConnectionProfile, password: string | undefined): Promise<string> {
  switch (profile.engine) {
    case 'postgres': {
      const { PostgresConnection } = await import('../postgres/connection');
      const conn = new PostgresConnection(profile, password);
      try {
        const info = await conn.serverInfo();
        return `PostgreSQL ${formatPgVersion(info.versionNum)}, database ${info.database} as ${info.user}${info.inRecovery ? ' (standby)' : ''}`;
      } finally {
        await conn.dispose();
      }
    }
    case 'neo4j': {
      const { openNeo4jDriver, neo4jServerInfo } = await import('../neo4j/connection');
      const driver = await openNeo4jDriver(profile, password);
      try {
        const info = await neo4jServerInfo(driver, profile.database);
        return `Neo4j ${info.version} ${info.edition}, database ${info.database}`;
      } finally {
        await driver.close();
      }
    }
    case 'redis': {
      const { openRedis, redisServerInfo } = await import('../redis/connection');
      const client = await openRedis(profile, password);
      try {
        const info = await redisServerInfo(client);
        return `Redis ${info.version} (${info.mode}), ${info.usedMemoryHuman} used`;
      } finally {
        client.disconnect();
      }
    }
    case 'docker': {
      const { openDocker, dockerServerInfo } = await import('../docker/connection');
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
