/**
 * The RabbitMQ health report's judgements, pure: what the API answered (nodes,
 * alarm and certificate checks, queues, channels, connections) in, sections
 * and findings out, with purge / delete / close as their fixes. health.ts
 * reads the server.
 */
import type { Column, Finding, Section } from '../../reports/model';
import { formatBytes, formatCount } from '../../format';
import { buildCloseConnection, buildDeleteQueue, buildPurge, queueLabel, type RabbitOp } from '../operation';
import { encodeSegment } from '../request';
import { queueFlags, type RabbitChannel, type RabbitConnection, type RabbitNode, type RabbitQueue } from '../resources';

export type RabbitFinding = Finding<RabbitOp>;

/** Memory use at or above this share of the high watermark warns (publishers are blocked at 100 %). */
export const MEMORY_WARN_PERCENT = 80;
/** Free disk below this multiple of the limit warns (publishers are blocked below the limit). */
export const DISK_WARN_FACTOR = 2;
/** File descriptors (and sockets) at or above this share of the limit warn. */
export const FD_WARN_PERCENT = 80;

export interface HealthThresholds {
  /** A queue deeper than this warns. */
  queueDepth: number;
  /** Unacknowledged messages on one queue or channel above this warn. */
  unacked: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { queueDepth: 10_000, unacked: 1_000 };

/** A health check endpoint's answer: ok, failed with its reason, or not available on this version. */
export type CheckAnswer = { status: 'ok' } | { status: 'failed'; reason: string } | { status: 'unavailable'; reason: string };

const col = (key: string, label: string, kind: Column['kind']): Column => ({ key, label, kind });
const pct = (used: number | null, total: number | null): number | null => (used !== null && total ? (100 * used) / total : null);

type Part = { section: Section; findings: RabbitFinding[] };

function finding(f: Omit<RabbitFinding, 'id'> & { key: string }): RabbitFinding {
  const { key, ...rest } = f;
  return { id: `health:${f.sectionId}:${key}`, ...rest };
}

/** Alarms: the cluster-wide and local health checks, and each node's memory and disk alarm flags. */
export function alarmsHealth(alarms: CheckAnswer, local: CheckAnswer, nodes: readonly RabbitNode[]): Part {
  const rows = [
    { _key: 'alarms', check: 'Alarms in the cluster (/api/health/checks/alarms)', result: answerText(alarms) },
    { _key: 'local-alarms', check: 'Alarms on the node answering (/api/health/checks/local-alarms)', result: answerText(local) },
  ];
  const findings: RabbitFinding[] = [];
  for (const n of nodes) {
    if (n.memAlarm) {
      findings.push(finding({
        key: `memory:${n.name}`, severity: 'critical', sectionId: 'alarms', rowKey: 'alarms', object: n.name,
        message: `Memory alarm on ${n.name}: ${formatBytes(n.memUsed)} used of a ${formatBytes(n.memLimit)} high watermark. Every publishing connection in the cluster is blocked until memory falls: drain or purge deep queues, add consumers, or raise vm_memory_high_watermark.`,
        evidence: { memUsed: n.memUsed, memLimit: n.memLimit }, fixes: [],
      }));
    }
    if (n.diskAlarm) {
      findings.push(finding({
        key: `disk:${n.name}`, severity: 'critical', sectionId: 'alarms', rowKey: 'alarms', object: n.name,
        message: `Disk alarm on ${n.name}: ${formatBytes(n.diskFree)} free, below the ${formatBytes(n.diskFreeLimit)} limit. Publishers are blocked until disk is freed: drain queues, free the disk, or move the data directory.`,
        evidence: { diskFree: n.diskFree, diskFreeLimit: n.diskFreeLimit }, fixes: [],
      }));
    }
  }
  if (alarms.status === 'failed' && !findings.length) {
    findings.push(finding({
      key: 'cluster', severity: 'critical', sectionId: 'alarms', rowKey: 'alarms', object: 'cluster',
      message: `The alarms check failed: ${alarms.reason}. Publishers are blocked while an alarm is in effect.`, evidence: { reason: alarms.reason }, fixes: [],
    }));
  }
  return { section: { id: 'alarms', title: 'Alarms', columns: [col('check', 'Check', 'text'), col('result', 'Result', 'text')], rows }, findings };
}

function answerText(a: CheckAnswer): string {
  return a.status === 'ok' ? 'ok' : a.status === 'failed' ? `failed: ${a.reason}` : `not available: ${a.reason}`;
}

/** Memory and disk against their watermarks, file descriptors and sockets against their limits, per node. */
export function nodesHealth(nodes: readonly RabbitNode[]): Part {
  const findings: RabbitFinding[] = [];
  const rows = nodes.map((n) => {
    const mem = pct(n.memUsed, n.memLimit);
    const fd = pct(n.fdUsed, n.fdTotal);
    const sockets = pct(n.socketsUsed, n.socketsTotal);
    if (!n.running) {
      findings.push(finding({ key: `down:${n.name}`, severity: 'critical', sectionId: 'nodes', rowKey: n.name, object: n.name, message: `Node ${n.name} is not running: its queues (classic ones on it, quorum replicas) are unavailable or under-replicated.`, evidence: { running: false }, fixes: [] }));
    }
    if (!n.memAlarm && mem !== null && mem >= MEMORY_WARN_PERCENT) {
      findings.push(finding({
        key: `memory:${n.name}`, severity: 'warning', sectionId: 'nodes', rowKey: n.name, object: n.name,
        message: `Memory on ${n.name} is at ${mem.toFixed(0)}% of the high watermark (${formatBytes(n.memUsed)} of ${formatBytes(n.memLimit)}): at 100% every publisher is blocked.`,
        evidence: { memUsed: n.memUsed, memLimit: n.memLimit }, fixes: [],
      }));
    }
    if (!n.diskAlarm && n.diskFree !== null && n.diskFreeLimit !== null && n.diskFree < DISK_WARN_FACTOR * n.diskFreeLimit) {
      findings.push(finding({
        key: `disk:${n.name}`, severity: 'warning', sectionId: 'nodes', rowKey: n.name, object: n.name,
        message: `Free disk on ${n.name} is ${formatBytes(n.diskFree)}, less than twice the ${formatBytes(n.diskFreeLimit)} limit below which publishers are blocked.`,
        evidence: { diskFree: n.diskFree, diskFreeLimit: n.diskFreeLimit }, fixes: [],
      }));
    }
    for (const [what, share, used, total] of [['file descriptors', fd, n.fdUsed, n.fdTotal], ['sockets', sockets, n.socketsUsed, n.socketsTotal]] as const) {
      if (share !== null && share >= FD_WARN_PERCENT) {
        findings.push(finding({
          key: `${what}:${n.name}`, severity: 'warning', sectionId: 'nodes', rowKey: n.name, object: n.name,
          message: `${n.name} uses ${formatCount(used ?? 0)} of ${formatCount(total ?? 0)} ${what} (${share.toFixed(0)}%): new connections are refused at the limit. Raise the limit (ulimit -n) or find the clients that open connections without closing them.`,
          evidence: { used, total }, fixes: [],
        }));
      }
    }
    return {
      _key: n.name, node: n.name, running: n.running, memUsed: n.memUsed, memLimit: n.memLimit, memPercent: mem === null ? null : Math.round(mem * 10) / 10,
      diskFree: n.diskFree, diskFreeLimit: n.diskFreeLimit, fd: n.fdUsed === null ? null : `${formatCount(n.fdUsed)} / ${formatCount(n.fdTotal ?? 0)}`,
      alarms: [n.memAlarm ? 'memory' : '', n.diskAlarm ? 'disk' : ''].filter(Boolean).join(', ') || 'none',
    };
  });
  return {
    section: {
      id: 'nodes', title: 'Nodes: memory and disk watermarks',
      columns: [col('node', 'Node', 'text'), col('running', 'Running', 'text'), col('memUsed', 'Memory used', 'bytes'), col('memLimit', 'High watermark', 'bytes'), col('memPercent', 'Of watermark', 'percent'),
        col('diskFree', 'Disk free', 'bytes'), col('diskFreeLimit', 'Disk limit', 'bytes'), col('fd', 'File descriptors', 'text'), col('alarms', 'Alarms', 'text')],
      rows,
    },
    findings,
  };
}

/**
 * Queues with messages and no consumer, queues over the depth threshold and
 * queues with unacknowledged messages piling up. `complete` is false when
 * only the deepest queues were read (a note says so).
 */
export function queuesHealth(queues: readonly RabbitQueue[], t: HealthThresholds, complete: boolean): Part {
  const findings: RabbitFinding[] = [];
  const flagged = queues.filter((q) => queueFlags(q).unconsumed || q.messages > t.queueDepth || q.unacked > t.unacked);
  for (const q of flagged) {
    // The API path's own form: unambiguous whatever the names hold (a vhost "/", a queue "a/b").
    const key = `${encodeSegment(q.vhost)}/${encodeSegment(q.name)}`;
    const ref = { vhost: q.vhost, name: q.name, ready: q.ready, unacked: q.unacked, consumers: q.consumers };
    const label = queueLabel(q.vhost, q.name);
    const evidence = { messages: q.messages, ready: q.ready, unacked: q.unacked, consumers: q.consumers };
    if (queueFlags(q).unconsumed) {
      findings.push(finding({
        key: `unconsumed:${key}`, severity: q.messages > t.queueDepth ? 'critical' : 'warning', sectionId: 'queues', rowKey: key, object: label,
        message: `${formatCount(q.messages)} message${q.messages === 1 ? '' : 's'} and no consumer: nothing reads this queue. If its consumers are gone for good, purge or delete it; otherwise start them.`,
        evidence, fixes: [buildPurge(ref), buildDeleteQueue(ref, { ifEmpty: false, ifUnused: true })],
      }));
    } else if (q.messages > t.queueDepth) {
      findings.push(finding({
        key: `deep:${key}`, severity: 'warning', sectionId: 'queues', rowKey: key, object: label,
        message: `${formatCount(q.messages)} messages, over the ${formatCount(t.queueDepth)} threshold, with ${formatCount(q.consumers)} consumer${q.consumers === 1 ? '' : 's'}: consumers do not keep up. Add consumers, or limit the queue (max-length policy).`,
        evidence, fixes: [buildPurge(ref)],
      }));
    }
    if (q.unacked > t.unacked) {
      findings.push(finding({
        key: `unacked:${key}`, severity: 'warning', sectionId: 'queues', rowKey: key, object: label,
        message: `${formatCount(q.unacked)} messages delivered and not acknowledged (threshold ${formatCount(t.unacked)}): a consumer holds them without acking (a bug, or no prefetch limit). Closing its connection returns them to the queue.`,
        evidence, fixes: [],
      }));
    }
  }
  const rows = flagged.map((q) => ({ _key: `${encodeSegment(q.vhost)}/${encodeSegment(q.name)}`, vhost: q.vhost, queue: q.name, type: q.type, messages: q.messages, ready: q.ready, unacked: q.unacked, consumers: q.consumers, state: q.state || 'n/a' }));
  return {
    section: {
      id: 'queues', title: 'Queues: no consumers, deep, unacknowledged',
      columns: [col('vhost', 'Vhost', 'text'), col('queue', 'Queue', 'text'), col('type', 'Type', 'text'), col('messages', 'Messages', 'number'), col('ready', 'Ready', 'number'), col('unacked', 'Unacked', 'number'), col('consumers', 'Consumers', 'number'), col('state', 'State', 'text')],
      rows,
      empty: `No queue has messages without consumers, more than ${formatCount(t.queueDepth)} messages, or more than ${formatCount(t.unacked)} unacknowledged.`,
      ...(complete ? {} : { note: 'Only the deepest queues were read (sorted by the server): the others hold fewer messages.' }),
    },
    findings,
  };
}

/** Channels holding many unacknowledged messages: the fix is closing their connection (the messages are requeued). */
export function channelsHealth(channels: readonly RabbitChannel[], t: HealthThresholds): Part {
  const heavy = channels.filter((c) => c.unacked > t.unacked);
  const findings = heavy.map((c) => finding({
    key: `unacked:${c.name}`, severity: 'warning', sectionId: 'channels', rowKey: c.name, object: c.name,
    message: `Channel ${c.number} of user ${c.user} holds ${formatCount(c.unacked)} unacknowledged messages (prefetch ${c.prefetch === 0 ? 'unlimited' : formatCount(c.prefetch)}). Closing its connection gives them back to their queues; fix the consumer's acks or set a prefetch limit.`,
    evidence: { unacked: c.unacked, prefetch: c.prefetch, consumers: c.consumers },
    fixes: c.connection ? [buildCloseConnection({ name: c.connection, user: c.user }, `Upkeep: ${formatCount(c.unacked)} unacknowledged messages held`)] : [],
  }));
  return {
    section: {
      id: 'channels', title: 'Channels holding unacknowledged messages',
      columns: [col('channel', 'Channel', 'text'), col('user', 'User', 'text'), col('unacked', 'Unacked', 'number'), col('prefetch', 'Prefetch', 'number'), col('consumers', 'Consumers', 'number')],
      rows: heavy.map((c) => ({ _key: c.name, channel: c.name, user: c.user, unacked: c.unacked, prefetch: c.prefetch, consumers: c.consumers })),
      empty: `No channel holds more than ${formatCount(t.unacked)} unacknowledged messages.`,
    },
    findings,
  };
}

/** Connections that negotiated no heartbeat: a dead peer is noticed only when TCP gives up, which can take hours. */
export function connectionsHealth(connections: readonly RabbitConnection[], complete: boolean): Part {
  const silent = connections.filter((c) => c.heartbeat === 0 && c.protocol.toUpperCase().startsWith('AMQP'));
  const findings = silent.length
    ? [finding({
        key: 'no-heartbeat', severity: 'warning', sectionId: 'connections', object: `${formatCount(silent.length)} connection${silent.length === 1 ? '' : 's'}`,
        message: `${formatCount(silent.length)} AMQP connection${silent.length === 1 ? ' has' : 's have'} heartbeats turned off (timeout 0): if a client dies without closing, the broker keeps its connection, channels and unacknowledged messages until TCP notices. Set a heartbeat in the client (e.g. 60 s).`,
        evidence: { count: silent.length }, fixes: [],
      })]
    : [];
  return {
    section: {
      id: 'connections', title: 'Connections without heartbeat',
      columns: [col('connection', 'Connection', 'text'), col('user', 'User', 'text'), col('client', 'Client', 'text'), col('since', 'Since', 'date')],
      rows: silent.map((c) => ({ _key: c.name, connection: c.name, user: c.user, client: c.client, since: c.connectedAt === null ? null : new Date(c.connectedAt).toISOString() })),
      empty: 'Every AMQP connection has a heartbeat.',
      ...(complete ? {} : { note: 'Only the first connections were read.' }),
    },
    findings,
  };
}

/** Certificates of TLS listeners close to expiry (/api/health/checks/certificate-expiration). */
export function certificatesHealth(answer: CheckAnswer, withinDays: number): Part {
  const findings = answer.status === 'failed'
    ? [finding({
        key: 'expiry', severity: 'critical', sectionId: 'certificates', object: 'TLS listeners',
        message: `A listener's certificate expires within ${withinDays} days (or has expired): ${answer.reason}. Renew it before clients refuse to connect.`,
        evidence: { reason: answer.reason }, fixes: [],
      })]
    : [];
  return {
    section: {
      id: 'certificates', title: 'Certificates',
      columns: [col('check', 'Check', 'text'), col('result', 'Result', 'text')],
      rows: [{ _key: 'expiry', check: `Listener certificates valid for ${withinDays} more days`, result: answerText(answer) }],
      ...(answer.status === 'unavailable' ? { note: 'This server does not expose certificate expiry through its API.' } : {}),
    },
    findings,
  };
}
