/**
 * Where a password may be sent. A password is bound to the place it was saved
 * for — engine, host and port (or socket), user, and the weakest TLS mode it
 * may travel under — and a profile that points anywhere else gets nothing
 * until the user confirms. Pure: the editor side (connections/credentials.ts)
 * reads and writes the records, this decides.
 *
 * The database is not part of the place: a password proves a user to a server,
 * and the server checks it the same way whichever database is asked for (a
 * PostgreSQL role, Neo4j's DBMS users, a Redis ACL user all span databases).
 * pgpass does key lines by database; that is the file's own rule and is
 * applied when the file is read.
 */
import { type ConnectionProfile, defaultPort, engineLabel, type Engine, isEngine, type PasswordSource, type TlsMode } from './profile';

export { PASSWORD_SOURCES, type PasswordSource, validEnvName } from './profile';

export interface SecretBinding {
  engine: Engine;
  /** Lower-cased host name or address; absent for a socket. */
  host?: string;
  port?: number;
  socketPath?: string;
  /** The user the password proves; '' for the driver's default user. */
  user: string;
  /** The weakest TLS mode the password may travel under. */
  tls: TlsMode;
}

/** A password kept in the editor's secret storage, with the place it may go. No place: saved by an Upkeep before 0.2. */
export interface StoredCredential {
  password: string;
  boundTo?: SecretBinding;
}

/** A user's yes to "send the value of this source to this place", for workspace-defined profiles. */
export interface SourceConsent {
  /** `env:NAME` or `pgpass`. */
  source: string;
  boundTo: SecretBinding;
}

const TLS_RANK: Record<TlsMode, number> = { disable: 0, require: 1, verify: 2 };

function normalHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** The place a profile sends its password to. */
export function bindingOf(p: ConnectionProfile): SecretBinding {
  const b: SecretBinding = { engine: p.engine, user: p.user ?? '', tls: p.tls };
  if (p.socketPath) b.socketPath = p.socketPath;
  else {
    b.host = normalHost(p.host ?? '');
    b.port = p.port ?? defaultPort(p.engine);
  }
  return b;
}

/** True when the profile sends to exactly the bound place, with TLS at least as strict. */
export function bindingMatches(b: SecretBinding, p: ConnectionProfile): boolean {
  return differences(b, p).length === 0;
}

/** What differs between the bound place and the profile, in words ("host db.internal → 203.0.113.9"). */
export function differences(b: SecretBinding, p: ConnectionProfile): string[] {
  const now = bindingOf(p);
  const out: string[] = [];
  if (b.engine !== now.engine) out.push(`engine ${engineLabel(b.engine)} → ${engineLabel(now.engine)}`);
  if ((b.socketPath ?? '') !== (now.socketPath ?? '')) out.push(`socket ${b.socketPath ?? 'none'} → ${now.socketPath ?? 'none'}`);
  if ((b.host ?? '') !== (now.host ?? '')) out.push(`host ${b.host ?? 'none'} → ${now.host ?? 'none'}`);
  if ((b.port ?? 0) !== (now.port ?? 0)) out.push(`port ${b.port ?? 'none'} → ${now.port ?? 'none'}`);
  if (b.user !== now.user) out.push(`user ${b.user || '(default)'} → ${now.user || '(default)'}`);
  if (TLS_RANK[now.tls] < TLS_RANK[b.tls]) out.push(`TLS ${b.tls} → ${now.tls}`);
  return out;
}

/** "PostgreSQL user alice at db.internal:5432 (TLS verify)". Never contains a secret. */
export function describeBinding(b: SecretBinding): string {
  const where = b.socketPath ? `socket ${b.socketPath}` : `${b.host ?? ''}:${b.port ?? ''}`;
  const tls = b.tls === 'disable' ? 'no TLS' : `TLS ${b.tls}`;
  return `${engineLabel(b.engine)} ${b.user ? `user ${b.user} at ` : ''}${where} (${tls})`;
}

/** The source a profile takes its password from, defaulting to secret storage. */
export function passwordSourceOf(p: ConnectionProfile): PasswordSource {
  return p.passwordSource ?? 'secretStorage';
}

/** The source as a consent key: `env:NAME` or `pgpass`; secret storage needs no consent (its binding lives with the secret). */
export function sourceKey(p: ConnectionProfile): string {
  const source = passwordSourceOf(p);
  return source === 'env' ? `env:${p.passwordEnv ?? ''}` : source;
}

/** "the environment variable PGPASSWORD_PROD", "the password file (pgpass)", "the password stored for it". */
export function describeSource(p: ConnectionProfile): string {
  switch (passwordSourceOf(p)) {
    case 'env':
      return `the environment variable ${p.passwordEnv ?? ''}`;
    case 'pgpass':
      return 'the password file (pgpass)';
    case 'secretStorage':
      return "the password in the editor's secret storage";
  }
}

export type StoredDecision =
  /** Send it. `bind`: write this place with the secret first (a secret saved before places were recorded). */
  | { send: true; password: string; bind?: SecretBinding }
  /** Do not send; ask the user first. `boundTo` is where it belongs, when known. */
  | { send: false; boundTo?: SecretBinding; bind?: SecretBinding };

/**
 * What to do with a secret from storage for this profile. A secret saved
 * before places were recorded belongs to the user-settings profile with the
 * same id (`userOwner`), if there is one: the user typed it for that profile,
 * and only the user writes user settings, whereas a workspace's settings come
 * with the folder. Without such a profile the secret has no known place and
 * is sent only after the user confirms.
 */
export function decideStoredSecret(stored: StoredCredential, profile: ConnectionProfile, userOwner?: ConnectionProfile): StoredDecision {
  if (stored.boundTo) {
    return bindingMatches(stored.boundTo, profile) ? { send: true, password: stored.password } : { send: false, boundTo: stored.boundTo };
  }
  if (!userOwner) return { send: false };
  const bind = bindingOf(userOwner);
  return bindingMatches(bind, profile) ? { send: true, password: stored.password, bind } : { send: false, boundTo: bind, bind };
}

/**
 * Whether a password from the environment or the password file may be sent
 * for this profile. Profiles in user settings were written by the user, who
 * chose the source and the host together. A profile from a workspace's
 * settings came with the folder: it could name any variable of the editor's
 * environment and any host, so its first use is confirmed, per source and
 * place.
 */
export function sourceAllowed(p: ConnectionProfile, scope: 'user' | 'workspace', consent: SourceConsent | undefined): boolean {
  if (passwordSourceOf(p) === 'secretStorage' || scope === 'user') return true;
  return consent !== undefined && consent.source === sourceKey(p) && bindingMatches(consent.boundTo, p);
}

/**
 * Whether a connection may be opened: a profile from the settings of a
 * workspace the user has not trusted never connects, neither by itself nor on
 * a click, until the workspace is trusted. (VS Code also ignores the
 * workspace's `upkeep.connections` in Restricted Mode, through
 * `capabilities.untrustedWorkspaces.restrictedConfigurations`; this is the
 * same rule for hosts that do not.)
 */
export function connectionPolicy(scope: 'user' | 'workspace', workspaceTrusted: boolean): { connect: true } | { connect: false; reason: string } {
  if (scope === 'workspace' && !workspaceTrusted) {
    return { connect: false, reason: "Workspace not trusted: this connection comes from the workspace's settings and does not connect until you trust the workspace." };
  }
  return { connect: true };
}

/** Reads a stored record back; anything malformed counts as no record. */
export function parseStoredCredential(text: string | undefined): StoredCredential | undefined {
  if (!text) return undefined;
  try {
    const raw = JSON.parse(text) as { password?: unknown; boundTo?: unknown };
    if (typeof raw.password !== 'string' || raw.password === '') return undefined;
    const boundTo = parseBinding(raw.boundTo);
    return boundTo ? { password: raw.password, boundTo } : { password: raw.password };
  } catch {
    return undefined;
  }
}

export function parseConsent(text: string | undefined): SourceConsent | undefined {
  if (!text) return undefined;
  try {
    const raw = JSON.parse(text) as { source?: unknown; boundTo?: unknown };
    const boundTo = parseBinding(raw.boundTo);
    return typeof raw.source === 'string' && boundTo ? { source: raw.source, boundTo } : undefined;
  } catch {
    return undefined;
  }
}

function parseBinding(raw: unknown): SecretBinding | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isEngine(r['engine']) || typeof r['user'] !== 'string' || !(typeof r['tls'] === 'string' && r['tls'] in TLS_RANK)) return undefined;
  const b: SecretBinding = { engine: r['engine'], user: r['user'], tls: r['tls'] as TlsMode };
  if (typeof r['socketPath'] === 'string') b.socketPath = r['socketPath'];
  if (typeof r['host'] === 'string') b.host = r['host'];
  if (typeof r['port'] === 'number') b.port = r['port'];
  return b;
}

/**
 * Thrown instead of connecting when the password may not be sent (it belongs
 * to another place, or the workspace is not trusted). Recognised by name,
 * across bundles; `kind` is the problem kind shown on the connection.
 */
export class PasswordWithheld extends Error {
  override name = 'PasswordWithheld';
  constructor(
    message: string,
    readonly kind: 'password-elsewhere' | 'untrusted',
  ) {
    super(message);
  }
}

export function isPasswordWithheld(err: unknown): err is PasswordWithheld {
  return err instanceof Error && err.name === 'PasswordWithheld';
}
