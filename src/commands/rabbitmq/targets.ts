/**
 * What a RabbitMQ command acts on: the tree node it was invoked on
 * (recognised by `nodeKind`), the arguments a caller passed (tests, report
 * links), or asked step by step — connection, virtual host, queue.
 */
import type { ConnectionProfile } from '../../core/connections/profile';
import type { RabbitApi, RabbitSession } from '../../core/rabbitmq/connection';
import { readConnections, readQueue, readQueues, readVhosts, type RabbitConnection, type RabbitPolicy, type RabbitQueue } from '../../core/rabbitmq/resources';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { askPick } from '../../app/questions';
import type { Prompter } from '../../app/prompter';
import { nodeOfKind, rootOf, type UpkeepNode } from '../../views/node';
import { UserFacingError } from '../../core/errors';

interface WithProfile extends UpkeepNode { profile: ConnectionProfile }
interface QueueNodeFields extends WithProfile { vhost: string; name: string; queue: RabbitQueue }
interface ConnectionNodeFields extends WithProfile { name: string; connection: RabbitConnection }
interface PolicyNodeFields extends WithProfile { policy: RabbitPolicy }

export interface RabbitAsk {
  profiles: ProfileStore;
  connections: ConnectionService;
  prompter(): Prompter;
}

/** Arguments a caller may pass instead of a node. */
export interface TargetArgs {
  /** A profile id (report and health links pass it). */
  connectionId?: string;
  vhost?: string;
  queue?: string;
  /** A client connection's name. */
  connection?: string;
}

export async function apiOf(connections: ConnectionService, profile: ConnectionProfile): Promise<RabbitApi> {
  return ((await connections.session(profile)) as RabbitSession).api;
}

/** The connection: from any RabbitMQ node, a profile id, or picked among the RabbitMQ profiles. */
export async function resolveProfile(node: unknown, ask: RabbitAsk, args: TargetArgs = {}): Promise<ConnectionProfile> {
  const withProfile = node as { profile?: ConnectionProfile } | undefined;
  if (withProfile?.profile?.engine === 'rabbitmq') return withProfile.profile;
  if (node instanceof Object && 'parent' in node) {
    const root = rootOf(node as UpkeepNode) as unknown as { profile?: ConnectionProfile };
    if (root.profile?.engine === 'rabbitmq') return root.profile;
  }
  const id = args.connectionId ?? (node as TargetArgs | undefined)?.connectionId;
  if (id) {
    const found = ask.profiles.get(id)?.profile;
    if (found?.engine === 'rabbitmq') return found;
    throw new UserFacingError('That RabbitMQ connection no longer exists.');
  }
  if (node instanceof Object && 'nodeKind' in node) throw new UserFacingError('This action works on a RabbitMQ connection or one of its objects.');
  const profiles = ask.profiles.byEngine('rabbitmq').map((s) => s.profile);
  if (profiles.length === 1 && profiles[0]) return profiles[0];
  if (!profiles.length) throw new UserFacingError('There is no RabbitMQ connection yet: add one in the RabbitMQ view.');
  return askPick(ask.prompter(), {
    placeHolder: 'Which RabbitMQ connection?',
    items: profiles.map((p) => ({ label: p.name, description: p.readOnly ? 'read-only' : p.production ? 'production' : '', value: p })),
  });
}

export interface QueueTarget {
  profile: ConnectionProfile;
  queue: RabbitQueue;
}

/**
 * A queue: its node (counts as the tree read them), named in `args`, or asked
 * (vhost, then one of its first 500 queues by depth). Counts are read again
 * unless the node brought them, and a read-only connection is never read
 * here: the flow refuses before anything is sent.
 */
export async function resolveQueue(node: unknown, ask: RabbitAsk, args: TargetArgs = {}): Promise<QueueTarget> {
  const q = nodeOfKind<QueueNodeFields>(node, 'rabbitmq-queue');
  if (q) return { profile: q.profile, queue: q.queue };
  const profile = await resolveProfile(node, ask, args);
  const api = await apiOf(ask.connections, profile);
  const vhost = args.vhost ?? (nodeOfKind<WithProfile & { vhost: string }>(node, 'rabbitmq-vhost')?.vhost) ?? (await askVhost(api, ask.prompter()));
  if (args.queue !== undefined) {
    if (profile.readOnly) return { profile, queue: { vhost, name: args.queue, type: 'classic', state: '', messages: 0, ready: 0, unacked: 0, consumers: 0, memory: null, durable: false, exclusive: false, autoDelete: false, depthRate: null } };
    return { profile, queue: await readQueue(api, vhost, args.queue) };
  }
  const page = await readQueues(api, vhost, { page: 1, pageSize: 500, sort: 'messages', sortReverse: true });
  const queue = await askPick(ask.prompter(), {
    placeHolder: `Which queue of vhost ${vhost}?${page.pageCount > 1 ? ' (the 500 deepest)' : ''}`,
    items: page.items.map((x) => ({ label: x.name, description: `${x.type} · ${x.ready.toLocaleString('en-US')} ready · ${x.consumers} consumers`, value: x })),
  });
  return { profile, queue };
}

async function askVhost(api: RabbitApi, prompter: Prompter): Promise<string> {
  const vhosts = await readVhosts(api);
  if (vhosts.length === 1 && vhosts[0]) return vhosts[0].name;
  return askPick(prompter, { placeHolder: 'Which virtual host?', items: vhosts.map((v) => ({ label: v.name, description: `${v.messages.toLocaleString('en-US')} messages`, value: v.name })) });
}

export interface ConnectionTarget {
  profile: ConnectionProfile;
  connection: Pick<RabbitConnection, 'name'> & Partial<RabbitConnection>;
}

export async function resolveClientConnection(node: unknown, ask: RabbitAsk, args: TargetArgs = {}): Promise<ConnectionTarget> {
  const c = nodeOfKind<ConnectionNodeFields>(node, 'rabbitmq-client-connection');
  if (c) return { profile: c.profile, connection: c.connection };
  const profile = await resolveProfile(node, ask, args);
  if (args.connection !== undefined) return { profile, connection: { name: args.connection } };
  const page = await readConnections(await apiOf(ask.connections, profile), { page: 1, pageSize: 500 });
  const connection = await askPick(ask.prompter(), {
    placeHolder: 'Which client connection?',
    items: page.items.map((x) => ({ label: x.client || x.name, description: `${x.user} · vhost ${x.vhost} · ${x.channels} channels`, detail: x.name, value: x })),
  });
  return { profile, connection };
}

export function policyOf(node: unknown): { profile: ConnectionProfile; policy: RabbitPolicy } | undefined {
  const p = nodeOfKind<PolicyNodeFields>(node, 'rabbitmq-policy');
  return p ? { profile: p.profile, policy: p.policy } : undefined;
}
