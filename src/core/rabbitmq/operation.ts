/**
 * RabbitMQ's kind of Operation: one request to the management API, whose
 * `text` is that request as sent (method, encoded path, extra headers, JSON
 * body) — what the preview shows, the history keeps and a fix script lists.
 * The executor (executor.ts) sends `request` as it is, by `kind`.
 */
import type { Operation, OperationTarget, Risk } from '../operations/operation';
/** Exact counts in what a user confirms (formatCount rounds to "12k"). */
const formatCount = (n: number): string => n.toLocaleString('en-US');
import { type ApiRequest, headerValue, requestText } from './request';

export interface RabbitTarget extends OperationTarget {
  kind: 'queue' | 'connection' | 'policy' | 'broker' | 'vhost';
  vhost?: string;
  name?: string;
}

export interface RabbitOp extends Operation {
  engine: 'rabbitmq';
  language: 'http';
  /** purge, delete-queue, close-connection, peek, policy-set, policy-delete, definitions-import. */
  kind: string;
  target: RabbitTarget;
  request: ApiRequest;
}

/** "orders" in vhost "/" → `orders (vhost /)`; the default vhost is left out when it is the only one people use. */
export function queueLabel(vhost: string, name: string): string {
  return `${name} (vhost ${vhost})`;
}

function op(fields: Omit<RabbitOp, 'engine' | 'language' | 'text'>): RabbitOp {
  return { engine: 'rabbitmq', language: 'http', text: requestText(fields.request), ...fields };
}

const ONE_CALL = 'One request to the API: once sent, Cancel cannot take it back.';

export interface QueueRef {
  vhost: string;
  name: string;
  /** Counts as last read (the tree's); the preview reads them again. */
  ready?: number;
  unacked?: number;
  consumers?: number;
}

/** Purge: every ready message of the queue is deleted; unacknowledged ones stay with their consumers. */
export function buildPurge(q: QueueRef): RabbitOp {
  const count = q.ready === undefined ? 'every ready message' : `${formatCount(q.ready)} ready message${q.ready === 1 ? '' : 's'}`;
  return op({
    kind: 'purge',
    title: `Purge queue ${q.name}`,
    target: { kind: 'queue', vhost: q.vhost, name: q.name },
    request: { method: 'DELETE', path: ['queues', q.vhost, q.name, 'contents'] },
    impact: `deletes ${count} of queue ${queueLabel(q.vhost, q.name)} for good; messages delivered to consumers and not yet acknowledged${q.unacked ? ` (${formatCount(q.unacked)})` : ''} stay, and come back if they are not acknowledged`,
    risk: 'destructive',
    confirmName: q.name,
    cancelNote: ONE_CALL,
  });
}

export interface DeleteQueueOptions {
  /** Refuse when the queue holds messages. */
  ifEmpty: boolean;
  /** Refuse when the queue has consumers. */
  ifUnused: boolean;
}

export function buildDeleteQueue(q: QueueRef, opts: DeleteQueueOptions): RabbitOp {
  const conditions = [opts.ifEmpty ? 'it is empty' : '', opts.ifUnused ? 'it has no consumers' : ''].filter(Boolean);
  const holds = q.ready !== undefined ? ` and its ${formatCount((q.ready ?? 0) + (q.unacked ?? 0))} messages` : ' and its messages';
  return op({
    kind: 'delete-queue',
    title: `Delete queue ${q.name}`,
    target: { kind: 'queue', vhost: q.vhost, name: q.name },
    request: {
      method: 'DELETE',
      path: ['queues', q.vhost, q.name],
      query: { 'if-empty': opts.ifEmpty ? 'true' : undefined, 'if-unused': opts.ifUnused ? 'true' : undefined },
    },
    impact: `deletes queue ${queueLabel(q.vhost, q.name)}${holds}, and its bindings; its consumers are cancelled${conditions.length ? `. Only if ${conditions.join(' and ')}: otherwise the server refuses and nothing is deleted` : ''}`,
    risk: 'destructive',
    confirmName: q.name,
    cancelNote: ONE_CALL,
  });
}

export interface ConnectionRef {
  name: string;
  user?: string;
  client?: string;
  channels?: number;
}

/** Close a client connection; the reason reaches the client in the close frame (X-Reason). */
export function buildCloseConnection(c: ConnectionRef, reason: string): RabbitOp {
  const why = headerValue(reason || 'Closed from Upkeep');
  return op({
    kind: 'close-connection',
    title: `Close connection ${c.name}`,
    target: { kind: 'connection', name: c.name },
    request: { method: 'DELETE', path: ['connections', c.name], headers: { 'X-Reason': why } },
    impact: `closes the client connection${c.user ? ` of user ${c.user}` : ''}${c.client ? ` (${c.client})` : ''} and its ${c.channels === undefined ? '' : `${formatCount(c.channels)} `}channels: unacknowledged messages go back to their queues, and the client sees "${why}" (most clients reconnect)`,
    risk: 'blocking',
    confirmName: c.name,
    cancelNote: ONE_CALL,
  });
}

/** At most this many messages are fetched by a peek. */
export const PEEK_MAX = 100;
/** Payloads are cut at this many bytes by the server. */
export const PEEK_TRUNCATE = 50_000;

/**
 * Peek: fetch messages and put them straight back (ack mode
 * ack_requeue_true). Nothing is consumed, but the server does deliver them:
 * they come back marked redelivered, may change places, and a quorum queue
 * counts the delivery against its delivery limit.
 */
export function buildPeek(q: QueueRef, count: number): RabbitOp {
  const n = Math.max(1, Math.min(PEEK_MAX, Math.floor(count)));
  return op({
    kind: 'peek',
    title: `Peek at ${n} message${n === 1 ? '' : 's'} of ${q.name}`,
    target: { kind: 'queue', vhost: q.vhost, name: q.name },
    request: { method: 'POST', path: ['queues', q.vhost, q.name, 'get'], body: { count: n, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: PEEK_TRUNCATE } },
    impact: `reads the first ${n} ready message${n === 1 ? '' : 's'} of queue ${queueLabel(q.vhost, q.name)} and requeues them at once: nothing is consumed, but they come back marked redelivered, possibly in another order, and a quorum queue counts this delivery against its delivery-limit (a message at its limit is dead-lettered or dropped)`,
    risk: 'heavy',
    confirmName: q.name,
  });
}

export interface PolicyInput {
  vhost: string;
  name: string;
  pattern: string;
  applyTo: 'queues' | 'exchanges' | 'all' | 'classic_queues' | 'quorum_queues' | 'streams';
  priority: number;
  definition: Record<string, unknown>;
}

/** Policy keys that make the broker drop or dead-letter messages it would otherwise keep. */
const DROPPING_KEYS = ['max-length', 'max-length-bytes', 'message-ttl', 'expires', 'delivery-limit', 'max-age', 'overflow'];

export function buildPolicySet(p: PolicyInput, existing: boolean): RabbitOp {
  const drops = Object.keys(p.definition).filter((k) => DROPPING_KEYS.includes(k));
  const risk: Risk = drops.length ? 'destructive' : 'heavy';
  return op({
    kind: 'policy-set',
    title: `${existing ? 'Change' : 'Add'} policy ${p.name}`,
    target: { kind: 'policy', vhost: p.vhost, name: p.name },
    request: { method: 'PUT', path: ['policies', p.vhost, p.name], body: { pattern: p.pattern, definition: p.definition, priority: p.priority, 'apply-to': p.applyTo } },
    impact: `${existing ? 'replaces' : 'adds'} policy ${p.name} in vhost ${p.vhost}: it applies at once to every ${p.applyTo === 'all' ? 'queue and exchange' : p.applyTo.replace(/_/g, ' ')} whose name matches /${p.pattern}/ (unless a policy of higher priority matches)${drops.length ? `; ${drops.join(', ')} can make the broker drop or dead-letter messages already queued` : ''}`,
    risk,
    confirmName: p.name,
    cancelNote: ONE_CALL,
  });
}

export function buildPolicyDelete(vhost: string, name: string): RabbitOp {
  return op({
    kind: 'policy-delete',
    title: `Delete policy ${name}`,
    target: { kind: 'policy', vhost, name },
    request: { method: 'DELETE', path: ['policies', vhost, name] },
    impact: `deletes policy ${name} in vhost ${vhost}: the queues and exchanges it matched lose its settings at once (or take the next matching policy's)`,
    risk: 'heavy',
    confirmName: name,
    cancelNote: ONE_CALL,
  });
}
