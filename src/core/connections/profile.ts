/**
 * A connection profile: everything needed to reach a server except its secret.
 * Profiles are stored in settings (shareable with a team); the password lives
 * in the editor's secret storage, keyed by `id`. What differs between engines
 * comes from their modules (core/engines.ts).
 */
import { ENGINE_IDS, type Engine } from '../engine';
import { ENGINE_MODULES, engineModule } from '../engines';

export { type Engine };
/** The engines' ids, in view order. */
export const ENGINES = ENGINE_IDS;

/** "PostgreSQL", "Redis"… */
export function engineLabel(engine: Engine): string {
  return engineModule(engine).label;
}

/** The port an engine listens on unless a profile says otherwise. */
export function defaultPort(engine: Engine): number {
  return engineModule(engine).defaultPort;
}

/**
 * Where a profile's password comes from: the editor's secret storage (the
 * default), PostgreSQL's password file (`~/.pgpass` or `PGPASSFILE`, with
 * libpq's matching rules), or a named environment variable of the editor.
 */
export type PasswordSource = 'secretStorage' | 'pgpass' | 'env';
export const PASSWORD_SOURCES: readonly PasswordSource[] = ['secretStorage', 'pgpass', 'env'];

/** Environment variable names a profile may name: letters, digits and `_`, not starting with a digit. */
export function validEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name);
}

/** `disable`: plain TCP; `require`: TLS without verifying the certificate; `verify`: TLS with a verified chain. */
export type TlsMode = 'disable' | 'require' | 'verify';

export interface ConnectionProfile {
  id: string;
  engine: Engine;
  name: string;
  /** Host name or address; absent for a Docker unix socket. */
  host?: string;
  port?: number;
  /** PostgreSQL database, Neo4j database, or Redis database index (as text). */
  database?: string;
  user?: string;
  /** Docker: path of the engine's unix socket. */
  socketPath?: string;
  /** Neo4j: `neo4j` (routing) or `bolt` (direct). */
  scheme?: 'neo4j' | 'bolt';
  tls: TlsMode;
  readOnly: boolean;
  production: boolean;
  connectTimeoutMs: number;
  /** Absent: the editor's secret storage. */
  passwordSource?: PasswordSource;
  /** With `passwordSource: 'env'`: the variable's name (never its value). */
  passwordEnv?: string;
  /**
   * The container the server runs in, when the connection was made from one:
   * the Docker connection's profile id, the container's id and name. A
   * failure to connect then says "container stopped" when it is not running.
   */
  container?: ContainerRef;
}

/** A container on one of the user's Docker connections. */
export interface ContainerRef {
  /** The Docker connection's profile id. */
  docker: string;
  id: string;
  name: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Engines whose profiles carry a password in secret storage. */
export function usesPassword(engine: Engine): boolean {
  return engineModule(engine).usesPassword;
}

export function isEngine(value: unknown): value is Engine {
  return typeof value === 'string' && (ENGINES as readonly string[]).includes(value);
}

export function newProfileId(): string {
  // Random enough to key a secret; not a security boundary.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A short "where is it" text: `user@host:port/db` or the socket path. Never contains a secret. */
export function describeTarget(p: ConnectionProfile): string {
  const engine = engineModule(p.engine);
  if (engine.describeTarget) return engine.describeTarget(p);
  const user = p.user ? `${p.user}@` : '';
  const db = p.database ? `/${p.database}` : '';
  return `${user}${p.host ?? ''}:${p.port ?? engine.defaultPort}${db}`;
}

/**
 * Checks a profile read from settings or built by the wizard. Returns the
 * problems in words a user can act on; an empty list means it is usable.
 */
export function validateProfile(p: Partial<ConnectionProfile>): string[] {
  const problems: string[] = [];
  if (!p.id) problems.push('The profile has no id.');
  if (!isEngine(p.engine)) {
    problems.push(`Unknown engine "${String(p.engine)}": use one of ${ENGINES.join(', ')}.`);
    return problems;
  }
  if (!p.name || !p.name.trim()) problems.push('Give the connection a name.');
  const engine = engineModule(p.engine);
  if (engine.socket && p.socketPath) {
    // The engine checks the socket path itself.
  } else {
    if (!p.host || !p.host.trim()) problems.push('Enter a host name or address.');
    // Never repeat a host with `@` in it: it may be `user:password@host` typed into the wrong field.
    else if (p.host.includes('@')) problems.push('The host contains "@": put the user in "user" and the password in secret storage, not in the host.');
    else if (/[\s/]/.test(p.host)) problems.push(`"${p.host}" is not a valid host name.`);
  }
  if (p.port !== undefined && !(Number.isInteger(p.port) && p.port > 0 && p.port < 65536)) {
    problems.push(`Port ${String(p.port)} is out of range: use 1–65535.`);
  }
  problems.push(...(engine.validate?.(p) ?? []));
  problems.push(...passwordSourceProblems(p, engine));
  if (p.tls !== undefined && !['disable', 'require', 'verify'].includes(p.tls)) {
    problems.push(`TLS mode "${String(p.tls)}" is not one of disable, require, verify.`);
  }
  if (p.container !== undefined && !validContainerRef(p.container)) {
    problems.push('"container" must name a Docker connection (docker), a container id (id) and its name (name).');
  }
  if (p.connectTimeoutMs !== undefined && !(Number.isFinite(p.connectTimeoutMs) && p.connectTimeoutMs >= 500 && p.connectTimeoutMs <= 600_000)) {
    problems.push('Connect timeout must be between 0.5 and 600 seconds.');
  }
  return problems;
}

function validContainerRef(c: unknown): c is ContainerRef {
  if (typeof c !== 'object' || c === null) return false;
  const r = c as Record<string, unknown>;
  return typeof r['docker'] === 'string' && r['docker'] !== '' && typeof r['id'] === 'string' && /^[0-9a-f]{12,64}$/.test(r['id']) &&
    typeof r['name'] === 'string' && r['name'] !== '';
}

function passwordSourceProblems(p: Partial<ConnectionProfile>, engine: ReturnType<typeof engineModule>): string[] {
  const source = p.passwordSource ?? 'secretStorage';
  if (!PASSWORD_SOURCES.includes(source)) return [`Password source "${String(source)}" is not one of ${PASSWORD_SOURCES.join(', ')}.`];
  if (source === 'secretStorage') return [];
  if (!engine.usesPassword) return [`${engine.label} connections take no password, so they have no password source.`];
  if (source === 'pgpass' && !engine.passwordFile) {
    const able = ENGINE_MODULES.filter((m) => m.passwordFile).map((m) => m.label).join(', ');
    return [`${engine.label} connections cannot take their password from a password file (pgpass); only ${able} ones can.`];
  }
  if (source === 'env') {
    if (!p.passwordEnv) return ['Name the environment variable that holds the password (passwordEnv).'];
    if (!validEnvName(p.passwordEnv)) return [`"${p.passwordEnv}" is not an environment variable name: use letters, digits and _, not starting with a digit.`];
  }
  return [];
}

/**
 * Turns an untrusted settings entry into a profile, filling defaults.
 * Unknown keys are dropped, so a stray `password` key in settings never
 * travels further than this function.
 */
export function normalizeProfile(raw: unknown): { profile?: ConnectionProfile; problems: string[] } {
  if (typeof raw !== 'object' || raw === null) return { problems: ['A connection entry is not an object.'] };
  const r = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = r[k];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const num = (k: string): number | undefined => {
    const v = r[k];
    return typeof v === 'number' ? v : undefined;
  };
  const engine = r['engine'];
  const candidate: Partial<ConnectionProfile> = {
    id: str('id'),
    engine: isEngine(engine) ? engine : undefined,
    name: str('name'),
    host: str('host'),
    port: num('port'),
    database: typeof r['database'] === 'number' ? String(r['database']) : str('database'),
    user: str('user'),
    socketPath: str('socketPath'),
    scheme: r['scheme'] === 'bolt' || r['scheme'] === 'neo4j' ? r['scheme'] : undefined,
    tls: (str('tls') as TlsMode | undefined) ?? 'disable',
    readOnly: r['readOnly'] === true,
    production: r['production'] === true,
    connectTimeoutMs: num('connectTimeoutMs') ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  const container = r['container'];
  if (container !== undefined) {
    // Only the three known keys travel on; anything else in the object is dropped like an unknown key.
    const c = (typeof container === 'object' && container !== null ? container : {}) as Record<string, unknown>;
    candidate.container = { docker: c['docker'], id: c['id'], name: c['name'] } as ContainerRef;
  }
  const source = str('passwordSource');
  if (source !== undefined && source !== 'secretStorage') {
    candidate.passwordSource = source as PasswordSource;
    // The variable's name matters only for the env source; elsewhere it is dropped like any unknown key.
    if (source === 'env') candidate.passwordEnv = str('passwordEnv');
  }
  if (!isEngine(engine)) return { problems: [`Unknown engine "${String(engine)}": use one of ${ENGINES.join(', ')}.`] };
  const problems = validateProfile(candidate);
  if (problems.length) return { problems };
  return { profile: stripUndefined(candidate as ConnectionProfile), problems };
}

/**
 * The profile as one string that changes exactly when a field's value does
 * (keys sorted, undefined dropped): how the connection service tells an
 * edited or replaced profile from the one it checked or opened.
 */
export function profileFingerprint(p: ConnectionProfile): string {
  return JSON.stringify(Object.entries(p).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Settings JSON without `undefined` holes, in a stable key order. */
export function stripUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
