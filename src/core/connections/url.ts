import { type ConnectionProfile, type Engine, type TlsMode, DEFAULT_PORTS } from './profile';

/** What a pasted URL tells us: the profile fields, and the password to put in secret storage. */
export interface ParsedConnectionUrl {
  fields: Omit<Partial<ConnectionProfile>, 'id'> & { engine: Engine };
  password?: string;
}

export class ConnectionUrlError extends Error {
  override name = 'ConnectionUrlError';
}

const SCHEMES: Record<string, { engine: Engine; tls: TlsMode; scheme?: 'neo4j' | 'bolt' }> = {
  'postgres:': { engine: 'postgres', tls: 'disable' },
  'postgresql:': { engine: 'postgres', tls: 'disable' },
  'neo4j:': { engine: 'neo4j', tls: 'disable', scheme: 'neo4j' },
  'neo4j+s:': { engine: 'neo4j', tls: 'verify', scheme: 'neo4j' },
  'neo4j+ssc:': { engine: 'neo4j', tls: 'require', scheme: 'neo4j' },
  'bolt:': { engine: 'neo4j', tls: 'disable', scheme: 'bolt' },
  'bolt+s:': { engine: 'neo4j', tls: 'verify', scheme: 'bolt' },
  'bolt+ssc:': { engine: 'neo4j', tls: 'require', scheme: 'bolt' },
  'redis:': { engine: 'redis', tls: 'disable' },
  'rediss:': { engine: 'redis', tls: 'verify' },
  'unix:': { engine: 'docker', tls: 'disable' },
  'tcp:': { engine: 'docker', tls: 'disable' },
  'http:': { engine: 'docker', tls: 'disable' },
  'https:': { engine: 'docker', tls: 'verify' },
  'npipe:': { engine: 'docker', tls: 'disable' },
};

/** True when the text looks like something `parseConnectionUrl` understands. */
export function looksLikeConnectionUrl(text: string): boolean {
  const t = text.trim();
  return /^DOCKER_HOST(=|$)/.test(t) || /^[a-z][a-z0-9+]*:\/\//i.test(t);
}

/**
 * Parses a pasted connection URL. `env` supplies `DOCKER_HOST` when the user
 * pastes just that name. Throws `ConnectionUrlError` with a message that never
 * repeats the password.
 */
export function parseConnectionUrl(input: string, env: Record<string, string | undefined> = {}): ParsedConnectionUrl {
  let text = input.trim();
  if (text === 'DOCKER_HOST') {
    const fromEnv = env['DOCKER_HOST'];
    if (!fromEnv) throw new ConnectionUrlError('DOCKER_HOST is not set in the environment.');
    text = fromEnv.trim();
  } else if (text.startsWith('DOCKER_HOST=')) {
    text = text.slice('DOCKER_HOST='.length).replace(/^["']|["']$/g, '');
  }
  const schemeMatch = /^([a-z][a-z0-9+]*:)\/\//i.exec(text);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  const kind = scheme ? SCHEMES[scheme] : undefined;
  if (!scheme || !kind) {
    throw new ConnectionUrlError(
      'Not a connection URL Upkeep knows. Use postgres://, postgresql://, neo4j://, neo4j+s://, bolt://, redis://, rediss://, unix:// or tcp://.',
    );
  }
  if (kind.engine === 'docker') return { fields: parseDockerUrl(scheme, text) };

  let url: URL;
  try {
    // WHATWG URL only parses credentials/host for "special" schemes reliably; swap to http for parsing.
    url = new URL(text.replace(/^[^:]+:/, 'http:'));
  } catch {
    throw new ConnectionUrlError(`The URL could not be read: check its host and port (${redactUrl(text)}).`);
  }
  const fields: ParsedConnectionUrl['fields'] = { engine: kind.engine, tls: kind.tls };
  if (kind.scheme) fields.scheme = kind.scheme;
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '');
  if (host) fields.host = host;
  if (url.port) fields.port = Number(url.port);
  else fields.port = DEFAULT_PORTS[kind.engine];
  if (url.username) fields.user = decodeURIComponent(url.username);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));

  if (kind.engine === 'postgres') {
    if (path) fields.database = path;
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode) fields.tls = pgSslModeToTls(sslmode);
    const dbParam = url.searchParams.get('dbname');
    if (dbParam) fields.database = dbParam;
    const userParam = url.searchParams.get('user');
    if (userParam) fields.user = userParam;
    const timeout = url.searchParams.get('connect_timeout');
    if (timeout && /^\d+$/.test(timeout)) fields.connectTimeoutMs = Number(timeout) * 1000;
  } else if (kind.engine === 'redis') {
    if (path) {
      if (!/^\d+$/.test(path)) throw new ConnectionUrlError(`Redis database must be a number, not "${path}".`);
      fields.database = path;
    }
  } else if (path) {
    fields.database = path; // neo4j: a database name is not part of the bolt URL, but accept it.
  }
  return password === undefined ? { fields } : { fields, password };
}

function parseDockerUrl(scheme: string, text: string): ParsedConnectionUrl['fields'] {
  if (scheme === 'unix:') {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new ConnectionUrlError('A Docker unix socket URL needs an absolute path, like unix:///var/run/docker.sock.');
    return { engine: 'docker', socketPath, tls: 'disable' };
  }
  if (scheme === 'npipe:') throw new ConnectionUrlError('Windows named pipes are not supported yet; use tcp:// or unix://.');
  let url: URL;
  try {
    url = new URL(text.replace(/^[^:]+:/, 'http:'));
  } catch {
    throw new ConnectionUrlError(`The Docker URL could not be read: ${text}`);
  }
  const tls: TlsMode = scheme === 'https:' ? 'verify' : 'disable';
  const defaultPort = tls === 'disable' ? 2375 : 2376;
  return { engine: 'docker', host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort, tls };
}

/** libpq sslmode → our three TLS modes. `prefer`/`allow` try plain first here: we do not silently downgrade. */
export function pgSslModeToTls(sslmode: string): TlsMode {
  switch (sslmode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return 'disable';
    case 'require':
      return 'require';
    case 'verify-ca':
    case 'verify-full':
      return 'verify';
    default:
      throw new ConnectionUrlError(`Unknown sslmode "${sslmode}": use disable, require, verify-ca or verify-full.`);
  }
}

/** Replaces the password part of any `scheme://user:password@` in the text. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+]*:\/\/[^/\s:@]*:)([^@\s/]*)@/gi, '$1***@');
}
