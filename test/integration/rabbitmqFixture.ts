/** Objects the RabbitMQ tests declare through the management API (as an administrator), and clean up. */
import { RabbitApi } from '../../src/core/rabbitmq/connection';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { rabbitProfile, services } from './services';

export function adminApi(profile: ConnectionProfile = rabbitProfile()): RabbitApi {
  return new RabbitApi(profile, services().rabbitmq.password);
}

export async function createVhost(api: RabbitApi, vhost: string): Promise<void> {
  await api.call({ method: 'PUT', path: ['vhosts', vhost], body: {} });
  const user = services().rabbitmq.user;
  await api.call({ method: 'PUT', path: ['permissions', vhost, user], body: { configure: '.*', write: '.*', read: '.*' } });
}

export async function deleteVhost(api: RabbitApi, vhost: string): Promise<void> {
  await api.call({ method: 'DELETE', path: ['vhosts', vhost] }).catch(() => undefined);
}

export async function declareQueue(api: RabbitApi, vhost: string, name: string, args: Record<string, unknown> = {}): Promise<void> {
  await api.call({ method: 'PUT', path: ['queues', vhost, name], body: { durable: true, auto_delete: false, arguments: args } });
}

/** Publishes through the default exchange (POST …/exchanges/<vhost>/amq.default/publish). */
export async function publish(api: RabbitApi, vhost: string, queue: string, payload: string, encoding: 'string' | 'base64' = 'string', count = 1): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await api.call<{ routed?: boolean }>({ method: 'POST', path: ['exchanges', vhost, 'amq.default', 'publish'], body: { properties: { headers: { n: i } }, routing_key: queue, payload, payload_encoding: encoding } });
    if (r.routed !== true) throw new Error(`publish to ${queue} was not routed`);
  }
}

/** Waits until the API's counts (refreshed every collect_statistics_interval) satisfy `ok`. */
export async function queueCounts(api: RabbitApi, vhost: string, name: string, ok: (q: { messages: number; ready: number; consumers: number; unacked: number }) => boolean, timeoutMs = 15_000): Promise<{ messages: number; ready: number; consumers: number; unacked: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const q = await api.call<Record<string, unknown>>({ method: 'GET', path: ['queues', vhost, name] });
    const counts = { messages: Number(q['messages'] ?? -1), ready: Number(q['messages_ready'] ?? -1), consumers: Number(q['consumers'] ?? 0), unacked: Number(q['messages_unacknowledged'] ?? -1) };
    if (ok(counts)) return counts;
    if (Date.now() > deadline) throw new Error(`queue ${name}: counts never matched (last ${JSON.stringify(counts)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
