/**
 * RabbitMQ as an engine: its management API (the HTTP plugin, port 15672),
 * a management user and password, TLS, and the API's answers as one line.
 */
import type { EngineModule, ErrorFacts, UrlFields, WordedProblem } from '../engine';
import type { ConnectionProblem, ErrorDuring } from '../connections/errors';
import type { ConnectionProfile } from '../connections/profile';
import { ConnectionUrlError } from '../connections/urlText';
import { DEFAULT_PORT, DEFAULT_TLS_PORT } from './port';
import { rabbitmqReports } from './reports/hook';
import type { RabbitSession } from './connection';

/** The port written in a pasted URL, even the scheme's own (WHATWG URL drops `:80` from `http://h:80`). */
function explicitPort(text: string): number | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}

function parseUrl(url: URL, fields: UrlFields, text: string): UrlFields {
  const path = url.pathname.replace(/\/+$/, '');
  // The management UI's own address (…:15672/#/queues) and the API's root are both fine.
  if (path && path !== '/api') {
    throw new ConnectionUrlError(`Give the management API's address without a path (http://host:15672); "${decodeURIComponent(path)}" is not supported.`);
  }
  fields.port = explicitPort(text) ?? (fields.tls === 'disable' ? DEFAULT_PORT : DEFAULT_TLS_PORT);
  return fields;
}

/**
 * The API's answers as one line: 401 is a wrong user or password, 403 a user
 * the management plugin does not let in (no management tag), 404 an object
 * gone since the tree was read; a socket closed under a request means the
 * node went away mid-call.
 */
function describeError({ code, message }: ErrorFacts, ctx: { label: string; where: string; profile: ConnectionProfile; during?: ErrorDuring }): ConnectionProblem | WordedProblem | undefined {
  const reason = /^HTTP \d+: (.*) \((?:GET|PUT|POST|DELETE) [^)]*\)$/s.exec(message)?.[1]?.trim() ?? '';
  const user = ctx.profile.user ?? '';
  const notManagement = {
    kind: 'permission' as const,
    message: `RabbitMQ at ${ctx.where} lets user "${user}" log in but not use the management API: tag it management, policymaker, monitoring or administrator (rabbitmqctl set_user_tags).`,
  };
  switch (code) {
    case 'HTTP_401':
      // One status for three things: a wrong password ("Login failed"), a user without a management tag, a vhost it may not use.
      if (/not management user/i.test(reason)) return notManagement;
      if (/login failed/i.test(reason) || !reason) return 'auth';
      return { kind: 'permission', message: `RabbitMQ at ${ctx.where} refused user "${user}": ${reason}. Check its permissions on this virtual host (rabbitmqctl set_permissions) and its tags.` };
    case 'HTTP_403':
      return { ...notManagement, message: `${notManagement.message}${reason ? ` (${reason})` : ''}` };
    case 'HTTP_404':
      return { kind: 'other', message: `RabbitMQ at ${ctx.where}: not found — it was deleted or renamed since it was read (${reason || 'Object Not Found'}). Refresh the view.` };
    case 'HTTP_400':
    case 'HTTP_405':
    case 'HTTP_409':
    case 'HTTP_500':
    case 'HTTP_503':
      return { kind: 'other', message: `RabbitMQ at ${ctx.where} refused the request: ${reason || `HTTP ${code.slice(5)}`}` };
  }
  if (code.startsWith('HTTP_')) return { kind: 'other', message: `RabbitMQ at ${ctx.where} answered HTTP ${code.slice(5)}${reason ? `: ${reason}` : ''}` };
  // The node stopped (or a proxy dropped us) while a request was under way.
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) {
    if (ctx.profile.tls === 'disable' && ctx.during === undefined) {
      return { kind: 'tls-required', message: `RabbitMQ at ${ctx.where} closed the connection without an answer: if the port speaks HTTPS, use https:// (TLS) for this connection.` };
    }
    return 'connection-lost';
  }
  if (/^Unexpected token|JSON/.test(message) && /position|JSON/.test(message)) {
    return { kind: 'other', message: `${ctx.where} answered with something that is not RabbitMQ's management API: check the port (15672, or 15671 with TLS).` };
  }
  return undefined;
}

export const rabbitmqEngine: EngineModule = {
  id: 'rabbitmq',
  label: 'RabbitMQ',
  defaultPort: DEFAULT_PORT,
  // Docker claims http: and https: too; a RabbitMQ wizard (or a caller naming the engine) asks for these first.
  urlSchemes: { 'http:': { tls: 'disable' }, 'https:': { tls: 'verify' } },
  urlExample: 'http://localhost:15672 (the management API) or https://…:15671',
  usesPassword: true,
  asksTls: true,
  fields: [{ key: 'user', prompt: 'Management user (tagged management, monitoring or administrator)', default: 'guest' }],
  defaultUser: 'guest',

  describeTarget(p) {
    const scheme = p.tls === 'disable' ? 'http' : 'https';
    const host = p.host?.includes(':') ? `[${p.host}]` : p.host ?? '';
    return `${scheme}://${p.user ? `${p.user}@` : ''}${host}:${p.port ?? DEFAULT_PORT}`;
  },
  defaultName(p) {
    return `RabbitMQ ${p.host ?? ''}`;
  },
  parseUrl,

  async probe(profile, password) {
    const { RabbitApi, readOverview } = await import('./connection');
    const o = await readOverview(new RabbitApi(profile, password));
    return `RabbitMQ ${o.rabbitmqVersion} on Erlang ${o.erlangVersion}${o.clusterName ? `, cluster ${o.clusterName}` : ''}`;
  },
  describeError,

  async openSession(profile, password) {
    const { RabbitSession: Session } = await import('./connection');
    return new Session(profile, password);
  },
  async executor(session) {
    const { rabbitExecutor } = await import('./executor');
    return rabbitExecutor(session as RabbitSession);
  },
  reports: rabbitmqReports,
  async backup() {
    return (await import('./backup')).rabbitBackup;
  },
  async health() {
    return (await import('./health')).rabbitHealth;
  },
};
