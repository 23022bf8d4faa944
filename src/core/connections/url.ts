import type { ConnectionProfile, Engine } from './profile';
import { engineForScheme, engineModule } from '../engines';
import { ConnectionUrlError, redactUrl } from './urlText';

export { ConnectionUrlError, pgSslModeToTls, redactUrl } from './urlText';

/** What a pasted URL tells us: the profile fields, and the password to put in secret storage. */
export interface ParsedConnectionUrl {
  fields: Omit<Partial<ConnectionProfile>, 'id'> & { engine: Engine };
  password?: string;
}

/** True when the text looks like something `parseConnectionUrl` understands. */
export function looksLikeConnectionUrl(text: string): boolean {
  const t = text.trim();
  return /^DOCKER_HOST(=|$)/.test(t) || /^[a-z][a-z0-9+]*:\/\//i.test(t);
}

/**
 * Parses a pasted connection URL. `env` supplies `DOCKER_HOST` when the user
 * pastes just that name. `preferred` is the engine the user is adding a
 * connection for: when it claims the URL's scheme it wins over an earlier
 * engine claiming the same one (http:// is Docker's and RabbitMQ's). Throws
 * `ConnectionUrlError` with a message that never repeats the password.
 */
export function parseConnectionUrl(input: string, env: Record<string, string | undefined> = {}, preferred?: Engine): ParsedConnectionUrl {
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
  const own = preferred && scheme ? engineModule(preferred) : undefined;
  const engine = scheme ? (own && Object.hasOwn(own.urlSchemes, scheme) ? own : engineForScheme(scheme)) : undefined;
  const kind = scheme ? engine?.urlSchemes[scheme] : undefined;
  if (!scheme || !engine || !kind) {
    throw new ConnectionUrlError(
      'Not a connection URL Upkeep knows. Use postgres://, postgresql://, neo4j://, neo4j+s://, bolt://, redis://, rediss://, unix://, tcp://, or http(s):// (Docker, or the management API of RabbitMQ, from the RabbitMQ view).',
    );
  }
  const special = engine.parseSpecialUrl?.(scheme, text);
  if (special) return { fields: special };

  let url: URL;
  try {
    // WHATWG URL only parses credentials/host for "special" schemes reliably; swap to http for parsing.
    url = new URL(text.replace(/^[^:]+:/, 'http:'));
  } catch {
    throw new ConnectionUrlError(`The URL could not be read: check its host and port (${redactUrl(text)}).`);
  }
  let fields: ParsedConnectionUrl['fields'] = { engine: engine.id, tls: kind.tls };
  if (kind.scheme) fields.scheme = kind.scheme;
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '');
  if (host) fields.host = host;
  if (url.port) fields.port = Number(url.port);
  else fields.port = engine.defaultPort;
  if (url.username) fields.user = decodeURIComponent(url.username);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  if (engine.parseUrl) fields = engine.parseUrl(url, fields, text);
  return password === undefined ? { fields } : { fields, password };
}
