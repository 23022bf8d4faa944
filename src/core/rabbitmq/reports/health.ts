/**
 * The RabbitMQ health report: the API's health checks (alarms, local alarms,
 * certificate expiry), the nodes, the deepest queues (the server sorts and
 * pages them, so a broker with 100,000 queues costs a few pages), the channels
 * holding the most unacknowledged messages and the connections. The
 * judgements are healthModel.ts's.
 */
import type { Report } from '../../reports/model';
import type { SettingsReader } from '../../engine';
import { Cancelled } from '../../errors';
import { apiStatus, type ApiRequest } from '../request';
import type { RabbitApi } from '../connection';
import { mapOverview, type OverviewJson } from '../connection';
import type { RabbitOp } from '../operation';
import { type Page, type RabbitConnection, type RabbitQueue, readChannels, readConnections, readNodes, readQueues } from '../resources';
import {
  alarmsHealth, certificatesHealth, channelsHealth, type CheckAnswer, connectionsHealth, DEFAULT_THRESHOLDS, type HealthThresholds, nodesHealth, queuesHealth,
} from './healthModel';

export interface RabbitHealthRun {
  api: RabbitApi;
  connectionName: string;
  signal?: AbortSignal;
  thresholds?: HealthThresholds;
  now?: Date;
}

/** Pages of queues read at most (500 each, deepest first). */
export const QUEUE_PAGES = 10;
/** Pages of connections read at most. */
export const CONNECTION_PAGES = 4;
/** Certificates expiring within this many days are reported. */
export const CERT_WITHIN_DAYS = 30;

export function thresholdsFrom(settings: SettingsReader): HealthThresholds {
  return {
    queueDepth: settings.get('upkeep.rabbitmq.queueDepthWarning', DEFAULT_THRESHOLDS.queueDepth),
    unacked: settings.get('upkeep.rabbitmq.unackedWarning', DEFAULT_THRESHOLDS.unacked),
  };
}

/** A health check endpoint: 200 is ok, 503 failed (its JSON says why), 404 a version without it. */
export async function healthCheck(api: RabbitApi, path: string[], signal?: AbortSignal): Promise<CheckAnswer> {
  const req: ApiRequest = { method: 'GET', path: ['health', 'checks', ...path] };
  try {
    await api.call(req, signal ? { signal } : {});
    return { status: 'ok' };
  } catch (err) {
    const status = apiStatus(err);
    if (status === 503) {
      const body = (err as { body?: string }).body ?? '';
      let reason = (err as { reason?: string }).reason ?? 'failed';
      try {
        const parsed = JSON.parse(body) as { reason?: unknown; alarms?: unknown };
        if (typeof parsed.reason === 'string') reason = parsed.reason;
        if (Array.isArray(parsed.alarms) && parsed.alarms.length) reason += ` (${parsed.alarms.map((a) => JSON.stringify(a)).join(', ')})`;
      } catch {
        /* the reason as the client read it */
      }
      return { status: 'failed', reason };
    }
    if (status === 404 || status === 400) return { status: 'unavailable', reason: `HTTP ${status}` };
    throw err;
  }
}

/** Pages sorted by `sort` (descending) until a page ends below `until` or `pages` were read. */
async function deepest<T>(read: (page: number) => Promise<Page<T>>, pages: number, stop: (last: T) => boolean): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  for (let page = 1; page <= pages; page++) {
    const p = await read(page);
    items.push(...p.items);
    const last = p.items[p.items.length - 1];
    if (page >= p.pageCount || last === undefined || stop(last)) return { items, complete: true };
  }
  return { items, complete: false };
}

export async function buildRabbitHealthReport(run: RabbitHealthRun): Promise<Report<RabbitOp>> {
  const started = Date.now();
  const { api, signal } = run;
  const t = run.thresholds ?? DEFAULT_THRESHOLDS;
  const check = (): void => {
    if (signal?.aborted) throw new Cancelled();
  };
  const overview = mapOverview(await api.call<OverviewJson>({ method: 'GET', path: ['overview'] }, signal ? { signal } : {}));
  check();
  const [alarms, local, certs, nodes] = await Promise.all([
    healthCheck(api, ['alarms'], signal),
    healthCheck(api, ['local-alarms'], signal),
    healthCheck(api, ['certificate-expiration', String(CERT_WITHIN_DAYS), 'days'], signal),
    readNodes(api, signal),
  ]);
  check();
  const queues = await deepest<RabbitQueue>((page) => readQueues(api, undefined, { page, pageSize: 500, sort: 'messages', sortReverse: true }, signal), QUEUE_PAGES, (q) => q.messages === 0);
  // Unacknowledged messages can pile up on a queue that is not among the deepest by total: one page sorted by them.
  const byUnacked = await readQueues(api, undefined, { page: 1, pageSize: 100, sort: 'messages_unacknowledged', sortReverse: true }, signal);
  const seen = new Set(queues.items.map((q) => `${q.vhost}\u0000${q.name}`));
  const allQueues = [...queues.items, ...byUnacked.items.filter((q) => !seen.has(`${q.vhost}\u0000${q.name}`))];
  check();
  const channels = await readChannels(api, { page: 1, pageSize: 100, sort: 'messages_unacknowledged', sortReverse: true }, signal);
  const connections = await deepest<RabbitConnection>((page) => readConnections(api, { page, pageSize: 500 }, signal), CONNECTION_PAGES, () => false);
  const parts = [
    alarmsHealth(alarms, local, nodes),
    nodesHealth(nodes),
    queuesHealth(allQueues, t, queues.complete),
    channelsHealth(channels.items, t),
    connectionsHealth(connections.items, connections.complete),
    certificatesHealth(certs, CERT_WITHIN_DAYS),
  ];
  const now = run.now ?? new Date();
  return {
    kind: 'health',
    title: 'RabbitMQ health',
    connectionName: run.connectionName,
    database: overview.clusterName || overview.node,
    server: 'RabbitMQ',
    serverVersion: `${overview.rabbitmqVersion} (Erlang ${overview.erlangVersion})`,
    generatedAt: now.toISOString(),
    durationMs: Date.now() - started,
    sections: parts.map((p) => p.section),
    findings: parts.flatMap((p) => p.findings),
  };
}
