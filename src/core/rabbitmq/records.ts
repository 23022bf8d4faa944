/**
 * The management API's objects as small typed records — nodes, virtual
 * hosts, queues, exchanges, connections, channels, policies, users — mapped
 * from its JSON (pure), and the flags the tree and the report judge queues by.
 */

/** 'classic', 'quorum', 'stream' (or a type a plugin adds). */
export type QueueType = string;

export interface RabbitQueue {
  vhost: string;
  name: string;
  type: QueueType;
  /** 'running', 'idle', 'flow', 'crashed', 'minority'…; '' when the API says nothing. */
  state: string;
  messages: number;
  ready: number;
  unacked: number;
  consumers: number;
  /** Bytes the queue process holds (classic; quorum reports its own). */
  memory: number | null;
  /** When it last did anything (ISO-ish text from the server), absent while active. */
  idleSince?: string;
  policy?: string;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  /** Messages per second the depth changes by, where the server collects rates. */
  depthRate: number | null;
}

export interface RabbitExchange {
  vhost: string;
  name: string;
  type: string;
  durable: boolean;
  internal: boolean;
  autoDelete: boolean;
  publishInRate: number | null;
}

export interface RabbitConnection {
  name: string;
  vhost: string;
  user: string;
  /** "amqplib 0.10.3 (Node.js)", the connection_name the client gave, or ''. */
  client: string;
  channels: number;
  /** ms since the epoch. */
  connectedAt: number | null;
  state: string;
  /** Negotiated heartbeat in seconds; 0: none. */
  heartbeat: number | null;
  peer: string;
  protocol: string;
  tls: boolean;
}

export interface RabbitChannel {
  name: string;
  connection: string;
  vhost: string;
  user: string;
  number: number;
  consumers: number;
  unacked: number;
  prefetch: number;
  state: string;
}

export interface RabbitPolicy {
  vhost: string;
  name: string;
  pattern: string;
  applyTo: string;
  priority: number;
  definition: Record<string, unknown>;
}

export interface RabbitUser {
  name: string;
  tags: string[];
}

export interface RabbitVhost {
  name: string;
  messages: number;
  ready: number;
  unacked: number;
  description: string;
}

export interface RabbitNode {
  name: string;
  running: boolean;
  type: string;
  memUsed: number | null;
  memLimit: number | null;
  memAlarm: boolean;
  diskFree: number | null;
  diskFreeLimit: number | null;
  diskAlarm: boolean;
  fdUsed: number | null;
  fdTotal: number | null;
  socketsUsed: number | null;
  socketsTotal: number | null;
  procUsed: number | null;
  procTotal: number | null;
  uptimeMs: number | null;
  partitions: string[];
}

/** One page of a paged list, and how many there are in all. */
export interface Page<T> {
  items: T[];
  page: number;
  pageCount: number;
  /** Items matching the filter (all of them without one). */
  filteredCount: number;
  totalCount: number;
}

export type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: unknown): number => num(v) ?? 0;
const rate = (v: unknown): number | null => num((v as { rate?: unknown } | undefined)?.rate);

export function mapQueue(q: Json): RabbitQueue {
  const idle = str(q['idle_since']);
  return {
    vhost: str(q['vhost']),
    name: str(q['name']),
    type: str(q['type']) || 'classic',
    state: str(q['state']),
    messages: int(q['messages']),
    ready: int(q['messages_ready']),
    unacked: int(q['messages_unacknowledged']),
    consumers: int(q['consumers']),
    memory: num(q['memory']),
    ...(idle ? { idleSince: idle } : {}),
    ...(str(q['policy']) ? { policy: str(q['policy']) } : {}),
    durable: q['durable'] === true,
    exclusive: q['exclusive'] === true,
    autoDelete: q['auto_delete'] === true,
    depthRate: rate(q['messages_details']),
  };
}

export function mapExchange(x: Json): RabbitExchange {
  return {
    vhost: str(x['vhost']),
    name: str(x['name']),
    type: str(x['type']),
    durable: x['durable'] === true,
    internal: x['internal'] === true,
    autoDelete: x['auto_delete'] === true,
    publishInRate: rate((x['message_stats'] as Json | undefined)?.['publish_in_details']),
  };
}

/** The client as people know it: the name it gave, else its product and version. */
export function clientText(props: Json | undefined): string {
  if (!props) return '';
  const named = str(props['connection_name']);
  const product = [str(props['product']), str(props['version'])].filter(Boolean).join(' ');
  const platform = str(props['platform']);
  return [named, product && `${product}${platform ? ` (${platform})` : ''}`].filter(Boolean).join(' · ');
}

export function mapConnection(c: Json): RabbitConnection {
  const peerHost = str(c['peer_host']);
  return {
    name: str(c['name']),
    vhost: str(c['vhost']),
    user: str(c['user']),
    client: clientText(c['client_properties'] as Json | undefined),
    channels: int(c['channels']),
    connectedAt: num(c['connected_at']),
    state: str(c['state']),
    heartbeat: num(c['timeout']),
    peer: peerHost ? `${peerHost.includes(':') ? `[${peerHost}]` : peerHost}:${str(c['peer_port'])}` : '',
    protocol: str(c['protocol']),
    tls: c['ssl'] === true,
  };
}

export function mapChannel(c: Json): RabbitChannel {
  return {
    name: str(c['name']),
    connection: str((c['connection_details'] as Json | undefined)?.['name']),
    vhost: str(c['vhost']),
    user: str(c['user']),
    number: int(c['number']),
    consumers: int(c['consumer_count']),
    unacked: int(c['messages_unacknowledged']),
    prefetch: int(c['prefetch_count']),
    state: str(c['state']),
  };
}

export function mapPolicy(p: Json): RabbitPolicy {
  const definition = p['definition'];
  return {
    vhost: str(p['vhost']),
    name: str(p['name']),
    pattern: str(p['pattern']),
    applyTo: str(p['apply-to']) || 'all',
    priority: int(p['priority']),
    definition: definition && typeof definition === 'object' ? (definition as Record<string, unknown>) : {},
  };
}

/** Tags are a comma-separated string before 3.9 and a list after; the password hash is never read. */
export function mapUser(u: Json): RabbitUser {
  const tags = u['tags'];
  const list = Array.isArray(tags) ? tags.map(str) : str(tags).split(',');
  return { name: str(u['name']), tags: list.map((t) => t.trim()).filter(Boolean) };
}

export function mapVhost(v: Json): RabbitVhost {
  return { name: str(v['name']), messages: int(v['messages']), ready: int(v['messages_ready']), unacked: int(v['messages_unacknowledged']), description: str(v['description']) };
}

export function mapNode(n: Json): RabbitNode {
  const partitions = n['partitions'];
  return {
    name: str(n['name']),
    running: n['running'] !== false,
    type: str(n['type']),
    memUsed: num(n['mem_used']),
    memLimit: num(n['mem_limit']),
    memAlarm: n['mem_alarm'] === true,
    diskFree: num(n['disk_free']),
    diskFreeLimit: num(n['disk_free_limit']),
    diskAlarm: n['disk_free_alarm'] === true,
    fdUsed: num(n['fd_used']),
    fdTotal: num(n['fd_total']),
    socketsUsed: num(n['sockets_used']),
    socketsTotal: num(n['sockets_total']),
    procUsed: num(n['proc_used']),
    procTotal: num(n['proc_total']),
    uptimeMs: num(n['uptime']),
    partitions: Array.isArray(partitions) ? partitions.map(str) : [],
  };
}

/** The flags a queue shows in the tree and the report: messages nobody reads, nothing moving. */
export interface QueueFlags {
  /** Ready messages and no consumer to take them. */
  unconsumed: boolean;
  /** The server calls it idle (no activity since `idleSince`). */
  idle: boolean;
  /** The depth grows (rate above zero), where rates are collected. */
  growing: boolean;
}

export function queueFlags(q: RabbitQueue): QueueFlags {
  return {
    unconsumed: q.consumers === 0 && q.messages > 0,
    idle: q.state === 'idle' || q.idleSince !== undefined,
    growing: (q.depthRate ?? 0) > 0,
  };
}

/** The default exchange has no name; people know it by this. */
export function exchangeLabel(name: string): string {
  return name === '' ? '(AMQP default)' : name;
}
