/**
 * Database containers: which containers run PostgreSQL, Neo4j, Redis or
 * RabbitMQ (by image name, with or without registry and tag, or by label),
 * and the connection a container's own configuration describes — address and
 * port from its port bindings (or the host network, or its network address),
 * user, database and password from its environment and command. Pure: it
 * reads the engine's inspect JSON and never connects.
 */
import type { Engine } from '../engine';
import { type ConnectionProfile, DEFAULT_CONNECT_TIMEOUT_MS, validateProfile } from '../connections/profile';
import { UserFacingError } from '../errors';
import type { Labels } from './resources';

export type DatabaseKind = 'postgres' | 'neo4j' | 'redis' | 'rabbitmq';

interface KindInfo {
  label: string;
  /** The Upkeep engine it becomes; none for RabbitMQ (a badge only). */
  engine?: Engine;
  /** The port the server listens on inside the container by default. */
  port: number;
  /** Image names (the last path part, or the full path for some vendors). */
  images: RegExp;
}

export const DATABASE_KINDS: Record<DatabaseKind, KindInfo> = {
  postgres: { label: 'PostgreSQL', engine: 'postgres', port: 5432, images: /^(postgres|postgresql|postgis|timescaledb(-ha)?|pgvector|postgresql-repmgr|supabase-postgres)$/ },
  neo4j: { label: 'Neo4j', engine: 'neo4j', port: 7687, images: /^neo4j(-enterprise)?$/ },
  redis: { label: 'Redis', engine: 'redis', port: 6379, images: /^(redis|redis-stack|redis-stack-server|redis-cluster|valkey|keydb)$/ },
  rabbitmq: { label: 'RabbitMQ', port: 5672, images: /^rabbitmq$/ },
};

/** An image reference split into its parts: `registry:5000/bitnami/postgresql:15@sha256:…` → repository `bitnami/postgresql`, name `postgresql`, tag `15`. */
export function parseImageRef(ref: string): { registry?: string; repository: string; name: string; tag?: string; digest?: string } {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  // A first part with a dot, a colon or "localhost" is a registry (Docker's own rule).
  if (parts.length > 1 && parts[0] !== undefined && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) registry = parts.shift();
  let last = parts.pop() ?? '';
  let tag: string | undefined;
  const colon = last.lastIndexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
  }
  const repository = [...parts, last].join('/');
  return { ...(registry ? { registry } : {}), repository, name: last.toLowerCase(), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Labels that name what a container runs: Upkeep's own, and the OCI image title. */
const KIND_LABELS = ['upkeep.database', 'org.opencontainers.image.title', 'org.opencontainers.image.ref.name', 'org.label-schema.name'];

/** What database a container runs, from its image name(s) and labels; undefined when none of them says. */
export function recogniseDatabase(images: readonly (string | undefined)[], labels: Labels = {}): DatabaseKind | undefined {
  for (const image of images) {
    if (!image || image.startsWith('sha256:')) continue;
    const { name } = parseImageRef(image);
    for (const [kind, info] of Object.entries(DATABASE_KINDS) as [DatabaseKind, KindInfo][]) if (info.images.test(name)) return kind;
  }
  for (const key of KIND_LABELS) {
    const value = labels[key]?.toLowerCase().trim();
    if (!value) continue;
    const word = /^(?:.*\/)?([\w.-]+?)(?::[\w.-]+)?$/.exec(value)?.[1] ?? value;
    for (const [kind, info] of Object.entries(DATABASE_KINDS) as [DatabaseKind, KindInfo][]) if (info.images.test(word) || word === kind) return kind;
  }
  return undefined;
}

/** `KEY=value` lines → a map (the first `=` splits; a variable without one is set to ''). */
export function parseEnv(env: readonly unknown[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of env ?? []) {
    if (typeof line !== 'string') continue;
    const eq = line.indexOf('=');
    if (eq < 0) out[line] = '';
    else out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** The value of `--name value` or `--name=value` in an argument list (also inside one shell string such as `redis-server --requirepass x`). */
export function flagValue(args: readonly string[], ...names: string[]): string | undefined {
  const words = args.flatMap((a) => (/\s/.test(a) ? splitWords(a) : [a]));
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    for (const name of names) {
      if (w === name && i + 1 < words.length) return words[i + 1];
      if (w.startsWith(`${name}=`)) return w.slice(name.length + 1);
    }
  }
  return undefined;
}

/** Shell-like words: spaces split, single and double quotes group. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3] ?? ''));
  return out;
}

/** A published port of the container: the host address to use and the host port. */
export interface PublishedPort {
  host: string;
  port: number;
}

/** Where a host binding is reached from this machine: any-address bindings (`0.0.0.0`, `::`, empty) at 127.0.0.1. */
export function reachableHost(hostIp: string | undefined): string {
  const ip = (hostIp ?? '').trim();
  return ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '[::]' ? '127.0.0.1' : ip;
}

/** The first host binding of `port/tcp` in a `{ "5432/tcp": [{ HostIp, HostPort }] }` map (the engine's live ports or the configured bindings). */
export function publishedPort(bindings: unknown, containerPort: number): PublishedPort | undefined {
  if (!bindings || typeof bindings !== 'object') return undefined;
  const list = (bindings as Record<string, unknown>)[`${containerPort}/tcp`];
  if (!Array.isArray(list)) return undefined;
  // IPv4 first: 127.0.0.1 is what the any-address bindings map to.
  const entries = (list as { HostIp?: unknown; HostPort?: unknown }[]).flatMap((b) => {
    const port = b && typeof b.HostPort === 'string' ? Number.parseInt(b.HostPort, 10) : b && typeof b.HostPort === 'number' ? b.HostPort : NaN;
    return port > 0 && port < 65536 ? [{ ip: b && typeof b.HostIp === 'string' ? b.HostIp : '', port }] : [];
  });
  const chosen = entries.find((b) => !b.ip.includes(':')) ?? entries[0];
  if (!chosen) return undefined;
  return { host: reachableHost(chosen.ip), port: chosen.port };
}

/** The connection a database container describes. */
export interface DiscoveredConnection {
  kind: DatabaseKind;
  label: string;
  /** The Upkeep engine; absent for RabbitMQ (not an Upkeep engine yet). */
  engine?: Engine;
  container: { id: string; name: string; state: string; image: string };
  /** Absent when the container publishes nothing this machine can reach. */
  host?: string;
  port?: number;
  /** How the address was found. */
  via: 'published' | 'host-network' | 'container-address' | 'none';
  user?: string;
  database?: string;
  /** A password from the container's environment or command (offered once, with consent; never stored in settings). */
  password?: string;
  /** Where the password came from, in words ("POSTGRES_PASSWORD", "--requirepass"). */
  passwordFrom?: string;
  /** What could not be read (a password in a file, no published port). */
  notes: string[];
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v && typeof v === 'object' ? (v as Raw) : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const intOf = (v: string | undefined): number | undefined => {
  const n = v === undefined ? NaN : Number.parseInt(v.replace(/^.*:/, ''), 10);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
};

/** What each kind reads from the environment and command: user, database, password and the port it listens on. */
function credentialsOf(kind: DatabaseKind, env: Record<string, string>, args: string[], notes: string[]): Pick<DiscoveredConnection, 'user' | 'database' | 'password' | 'passwordFrom'> & { port?: number } {
  const fromEnv = (...names: string[]): [string, string] | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v !== '') return [n, v];
    }
    return undefined;
  };
  const fileNote = (...names: string[]): void => {
    for (const n of names) if (env[n]) notes.push(`The password is in a file inside the container (${n}): enter it yourself.`);
  };
  switch (kind) {
    case 'postgres': {
      const user = fromEnv('POSTGRES_USER', 'POSTGRESQL_USERNAME', 'POSTGRESQL_USER')?.[1] ?? 'postgres';
      const database = fromEnv('POSTGRES_DB', 'POSTGRESQL_DATABASE')?.[1] ?? user;
      // bitnami: POSTGRESQL_PASSWORD is the custom user's; POSTGRESQL_POSTGRES_PASSWORD the superuser's.
      const pw = fromEnv('POSTGRES_PASSWORD', 'POSTGRESQL_PASSWORD') ?? (user === 'postgres' ? fromEnv('POSTGRESQL_POSTGRES_PASSWORD') : undefined);
      if (!pw) fileNote('POSTGRES_PASSWORD_FILE', 'POSTGRESQL_PASSWORD_FILE');
      const port = intOf(flagValue(args, '-p', '--port')) ?? intOf(fromEnv('PGPORT', 'POSTGRESQL_PORT_NUMBER')?.[1]);
      return { user, database, ...(pw ? { password: pw[1], passwordFrom: pw[0] } : {}), ...(port ? { port } : {}) };
    }
    case 'neo4j': {
      const auth = env['NEO4J_AUTH'];
      let user = 'neo4j';
      let pw: [string, string] | undefined;
      if (auth && auth !== 'none') {
        const slash = auth.indexOf('/');
        if (slash > 0) {
          user = auth.slice(0, slash);
          pw = ['NEO4J_AUTH', auth.slice(slash + 1)];
        }
      } else if (auth === 'none') {
        notes.push('NEO4J_AUTH=none: the server asks for no password.');
      }
      pw ??= fromEnv('NEO4J_PASSWORD');
      if (!pw) fileNote('NEO4J_AUTH_FILE');
      const database = fromEnv('NEO4J_initial_dbms_default__database', 'NEO4J_dbms_default__database', 'NEO4J_DATABASE')?.[1];
      const port = intOf(fromEnv('NEO4J_server_bolt_listen__address', 'NEO4J_dbms_connector_bolt_listen__address', 'NEO4J_BOLT_PORT_NUMBER')?.[1]);
      return { user, ...(database ? { database } : {}), ...(pw ? { password: pw[1], passwordFrom: pw[0] } : {}), ...(port ? { port } : {}) };
    }
    case 'redis': {
      const argsPw = flagValue(args, '--requirepass');
      const extraArgs = splitWords(env['REDIS_ARGS'] ?? '');
      const stackPw = flagValue(extraArgs, '--requirepass');
      const pw: [string, string] | undefined = argsPw ? ['--requirepass', argsPw] : stackPw ? ['REDIS_ARGS --requirepass', stackPw] : fromEnv('REDIS_PASSWORD');
      if (!pw) fileNote('REDIS_PASSWORD_FILE');
      const user = fromEnv('REDIS_USERNAME', 'REDIS_USER')?.[1];
      const port = intOf(flagValue(args, '--port') ?? flagValue(extraArgs, '--port')) ?? intOf(fromEnv('REDIS_PORT_NUMBER', 'REDIS_PORT')?.[1]);
      return { ...(user ? { user } : {}), ...(pw ? { password: pw[1], passwordFrom: pw[0] } : {}), ...(port ? { port } : {}) };
    }
    case 'rabbitmq': {
      const user = fromEnv('RABBITMQ_DEFAULT_USER')?.[1] ?? 'guest';
      const pw = fromEnv('RABBITMQ_DEFAULT_PASS');
      const vhost = fromEnv('RABBITMQ_DEFAULT_VHOST')?.[1];
      return { user, ...(vhost ? { database: vhost } : {}), ...(pw ? { password: pw[1], passwordFrom: pw[0] } : {}) };
    }
  }
}

/**
 * The connection a container's inspect JSON describes, or undefined when it
 * is not a database container. The address, in order: a published port of
 * the server's port (any-address bindings → 127.0.0.1; the live ports of a
 * running container, else the configured bindings); the host network (the
 * server's own port on 127.0.0.1); the container's address on its network
 * (reachable only from that network).
 */
export function discoverConnection(inspect: unknown, listedImage?: string): DiscoveredConnection | undefined {
  const c = obj(inspect);
  const config = obj(c['Config']);
  const hostConfig = obj(c['HostConfig']);
  const net = obj(c['NetworkSettings']);
  const labels = obj(config['Labels']) as Labels;
  const image = typeof config['Image'] === 'string' ? config['Image'] : listedImage ?? '';
  const kind = recogniseDatabase([image, listedImage], labels);
  if (!kind) return undefined;
  const info = DATABASE_KINDS[kind];
  const env = parseEnv(strs(config['Env']));
  const args = [...strs(config['Entrypoint']), ...strs(config['Cmd'])];
  const notes: string[] = [];
  const creds = credentialsOf(kind, env, args, notes);
  const serverPort = creds.port ?? info.port;
  const state = typeof obj(c['State'])['Status'] === 'string' ? (obj(c['State'])['Status'] as string) : 'unknown';
  const id = typeof c['Id'] === 'string' ? c['Id'] : '';
  const name = typeof c['Name'] === 'string' ? c['Name'].replace(/^\//, '') : id.slice(0, 12);
  const networkMode = typeof hostConfig['NetworkMode'] === 'string' ? hostConfig['NetworkMode'] : '';

  let address: Pick<DiscoveredConnection, 'host' | 'port' | 'via'> = { via: 'none' };
  const published = publishedPort(net['Ports'], serverPort) ?? publishedPort(hostConfig['PortBindings'], serverPort);
  if (networkMode === 'host') {
    address = { host: '127.0.0.1', port: serverPort, via: 'host-network' };
  } else if (published && networkMode !== 'none') {
    address = { ...published, via: 'published' };
  } else {
    const networks = Object.values(obj(net['Networks'])).map(obj);
    const ip = networks.map((n) => n['IPAddress']).find((x): x is string => typeof x === 'string' && x !== '');
    if (ip) {
      address = { host: ip, port: serverPort, via: 'container-address' };
      notes.push(`Port ${serverPort} is not published: ${ip} is the container's address on its network, reachable only from that network.`);
    } else if (published) {
      address = { ...published, via: 'published' };
      notes.push(`The container has network mode "${networkMode}": its port binding takes effect only on a network that publishes ports.`);
    } else {
      notes.push(`Port ${serverPort} is not published and the container has no network address: publish it (-p ${serverPort}:${serverPort}) to connect from here.`);
    }
  }
  const { port: _listen, ...fields } = creds;
  void _listen;
  return {
    kind,
    label: info.label,
    ...(info.engine ? { engine: info.engine } : {}),
    container: { id, name, state, image },
    ...address,
    ...fields,
    notes: info.engine ? notes : [`${info.label} is not an Upkeep engine yet: the container is marked, but no connection can be made.`, ...notes],
  };
}

/** A connection name for a discovered database: "postgres-db (PostgreSQL in Docker)". */
export function discoveredName(d: Pick<DiscoveredConnection, 'container' | 'label'>): string {
  return `${d.container.name} (${d.label} in Docker)`;
}

/**
 * The profile a discovered database becomes: its address, user and database,
 * production when the Docker connection is, and the container it runs in. No
 * password: that goes to secret storage, with consent.
 */
export function profileFromDiscovery(docker: Pick<ConnectionProfile, 'id' | 'production'>, found: DiscoveredConnection, id: string): ConnectionProfile {
  if (!found.engine) throw new UserFacingError(`${found.label} is not an Upkeep engine yet: ${found.container.name} is marked in the tree, but no connection can be made.`);
  if (!found.host || !found.port) throw new UserFacingError(`${found.container.name}: ${found.notes.join(' ') || 'no address this machine can reach.'}`);
  const profile: ConnectionProfile = {
    id,
    engine: found.engine,
    name: discoveredName(found),
    host: found.host,
    port: found.port,
    ...(found.user ? { user: found.user } : {}),
    ...(found.database ? { database: found.database } : {}),
    tls: 'disable',
    readOnly: false,
    production: docker.production,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    container: { docker: docker.id, id: found.container.id, name: found.container.name },
  };
  const problems = validateProfile(profile);
  if (problems.length) throw new UserFacingError(`${found.container.name}: ${problems.join(' ')}`);
  return profile;
}
