/**
 * The health report of a Redis server: INFO, a few CONFIG GETs (which an ACL
 * may refuse: the report then says so and goes on), SLOWLOG GET and LATENCY
 * LATEST. Every command is O(1) or bounded (SLOWLOG GET 128).
 */
import type IORedis from 'ioredis';
import { parseRedisInfo } from '../connection';
import type { RedisReport } from './report';
import { clientsHealth, keyspaceHealth, latencyHealth, memoryHealth, parseLatencyLatest, parseSlowlog, persistenceHealth, replicationHealth, slowlogHealth } from './healthModel';

export interface HealthRun {
  client: IORedis;
  db: number;
  connectionName: string;
  signal?: AbortSignal;
  now?: Date;
}

/** Entries read from the slow log (the server keeps slowlog-max-len, 128 by default). */
export const SLOWLOG_ENTRIES = 128;

/** The first line of a refusal, as the server said it ("NOPERM this user has no permissions…"). */
function refusal(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split(/\r?\n/)[0]?.slice(0, 200) ?? 'refused';
}

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, reason: refusal(err) };
  }
}

/** CONFIG GET of one parameter: its value, or why it could not be read. */
async function configGet(client: IORedis, name: string): Promise<Outcome<string | undefined>> {
  return attempt(async () => {
    const reply = await client.call('CONFIG', 'GET', name);
    return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
  });
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('cancelled');
}

export async function buildHealthReport(run: HealthRun): Promise<RedisReport> {
  const started = Date.now();
  const now = run.now ?? new Date();
  const { client } = run;
  const info = parseRedisInfo(await client.info());
  checkAborted(run.signal);
  const [maxclients, latencyThreshold, save, slowlogThreshold] = await Promise.all(
    ['maxclients', 'latency-monitor-threshold', 'save', 'slowlog-log-slower-than'].map((name) => configGet(client, name)),
  );
  const slowlog = await attempt(async () => parseSlowlog(await client.callBuffer('SLOWLOG', 'GET', String(SLOWLOG_ENTRIES))));
  const threshold = latencyThreshold?.ok ? Number(latencyThreshold.value ?? 0) : undefined;
  const latency = threshold === 0 ? undefined : await attempt(async () => parseLatencyLatest(await client.call('LATENCY', 'LATEST')));
  checkAborted(run.signal);
  const configRefused = [maxclients, latencyThreshold, save, slowlogThreshold].find((o) => o && !o.ok);
  const value = (o: Outcome<string | undefined> | undefined): string | undefined => (o?.ok ? o.value : undefined);
  const parts = [
    memoryHealth(info, configRefused !== undefined),
    keyspaceHealth(info),
    clientsHealth(info, value(maxclients) !== undefined ? Number(value(maxclients)) : undefined),
    slowlogHealth(slowlog.ok ? slowlog.value : undefined, slowlog.ok ? undefined : slowlog.reason, value(slowlogThreshold) !== undefined ? Number(value(slowlogThreshold)) : undefined),
    latencyHealth(threshold, latency?.ok ? latency.value : undefined, latency && !latency.ok ? latency.reason : latencyThreshold && !latencyThreshold.ok ? latencyThreshold.reason : undefined),
    persistenceHealth(info, now, value(save)),
    replicationHealth(info),
  ];
  if (configRefused && !configRefused.ok) {
    const first = parts[0]?.section;
    if (first) first.note = `CONFIG GET was refused for this user (${configRefused.reason}): maxclients comes from INFO, and the snapshot schedule and latency monitor settings are unknown.`;
  }
  return {
    kind: 'health',
    title: 'Health',
    connectionName: run.connectionName,
    database: `db${run.db}`,
    server: 'Redis',
    serverVersion: info['redis_version'] ?? '',
    generatedAt: now.toISOString(),
    durationMs: Date.now() - started,
    sections: parts.map((p) => p.section),
    findings: parts.flatMap((p) => p.findings),
  };
}
