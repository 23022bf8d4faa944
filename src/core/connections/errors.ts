import { type ConnectionProfile, describeTarget } from './profile';
import type { ErrorFacts, WordedProblem } from '../engine';
import { engineModule } from '../engines';
import { redact } from './redact';
import { isPasswordWithheld } from './credentials';

export type ProblemKind =
  | 'unreachable'
  | 'unknown-host'
  | 'timeout'
  | 'auth'
  | 'tls-required'
  | 'tls-refused'
  | 'tls-untrusted'
  | 'unknown-database'
  | 'permission'
  | 'lock-timeout'
  | 'statement-timeout'
  | 'connection-lost'
  /** The password belongs to another place (or its source is not yet allowed for this one): nothing was sent. */
  | 'password-elsewhere'
  /** A workspace connection in a workspace that is not trusted: nothing was sent. */
  | 'untrusted'
  /** The server runs in a container (the profile says which) that is not running. */
  | 'container-stopped'
  | 'other';

/** Problems that say the connection itself is unusable (as opposed to one query failing). */
export const CONNECTION_LEVEL: ReadonlySet<ProblemKind> = new Set<ProblemKind>([
  'unreachable', 'unknown-host', 'timeout', 'auth', 'tls-required', 'tls-refused', 'tls-untrusted', 'unknown-database', 'connection-lost',
  'password-elsewhere', 'untrusted', 'container-stopped',
]);

/** Problems that may only mean the server's container is down: worth asking its engine before saying so. */
export const MAYBE_CONTAINER_DOWN: ReadonlySet<ProblemKind> = new Set<ProblemKind>(['unreachable', 'unknown-host', 'timeout', 'connection-lost']);

/**
 * What was running when an error came, so a lock timeout can say what gave up
 * and which setting limits it: a catalog read (the tree), a maintenance
 * statement, a CONCURRENTLY maintenance statement (its own, longer wait), or a
 * statement from a file.
 */
export type ErrorDuring = 'catalog' | 'maintenance' | 'concurrent-maintenance' | 'statement';

/** One line a user can act on, plus a category tests and the UI can branch on. */
export interface ConnectionProblem {
  kind: ProblemKind;
  message: string;
}

export function factsOf(err: unknown): ErrorFacts {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    let code = typeof e.code === 'string' ? e.code : '';
    let message = typeof e.message === 'string' ? e.message : Object.prototype.toString.call(err);
    // Node's net layer reports a refused dual-stack connect as an AggregateError with the
    // real cause inside; drivers sometimes keep the socket error as `cause`.
    const inner = Array.isArray(e.errors) ? (e.errors[0] as unknown) : e.cause;
    if (inner && typeof inner === 'object') {
      const i = factsOf(inner);
      if (!code) code = i.code;
      if (!message || message === 'AggregateError') message = i.message;
      else if (i.message && !message.includes(i.message)) message = `${message} (${i.message})`;
    }
    return { code, message };
  }
  return { code: '', message: typeof err === 'string' ? err : JSON.stringify(err) ?? 'unknown error' };
}

/**
 * Maps a driver or socket error to a one-line message. The raw error belongs
 * in the log; this is what the user reads. Secrets are redacted from both.
 * `during` names what was running, for messages that depend on it (lock timeouts).
 */
export function describeConnectionError(profile: ConnectionProfile, err: unknown, secretValues: Iterable<string | undefined> = [], during?: ErrorDuring): ConnectionProblem {
  const secrets = [...secretValues];
  if (isPasswordWithheld(err)) return { kind: err.kind, message: redact(err.message, secrets) };
  const facts = factsOf(err);
  const { code, message } = facts;
  const where = describeTarget(profile);
  const module = engineModule(profile.engine);
  const engine = module.label;
  const m = message.toLowerCase();
  const problem = (kind: ProblemKind, text: string): ConnectionProblem => ({ kind, message: redact(text, secrets) });

  // The engine's own codes first: query-level outcomes (lock or statement timeouts) carry words like "timeout".
  const server = describeTarget({ ...profile, database: undefined });
  const worded: Record<WordedProblem, string> = {
    auth: `${engine} rejected the user name or password for ${where}.`,
    'unknown-database': `${engine} at ${server} has no database "${profile.database ?? ''}".`,
    'connection-lost': `The connection to ${engine} at ${where} was lost (server shut down or restarted): refresh to reconnect.`,
    permission: `${engine} at ${where} refused access: ${firstLine(message)}`,
  };
  const own = module.describeError?.(facts, { label: engine, where, server, profile, ...(during ? { during } : {}) });
  if (typeof own === 'string') return problem(own, worded[own]);
  if (own) return problem(own.kind, own.message);
  // Drivers asked for a password they were not given (node-postgres' SCRAM, libpq's wording).
  if (m.includes('client password must be a string') || m.includes('no password supplied')) {
    return problem('auth', `${engine} at ${where} asked for a password and none was given.`);
  }
  if ((m.includes('connection terminated') && !m.includes('timeout')) || m.includes('server closed the connection') || m.includes('connection ended unexpectedly')) {
    return problem('connection-lost', worded['connection-lost']);
  }
  // Refused sockets first: some drivers wrap them in text about encryption settings.
  if (code === 'ECONNREFUSED' || m.includes('econnrefused')) {
    return problem('unreachable', `Nothing is listening at ${where}: is ${engine} running and the port right?`);
  }
  // Order matters: TLS messages can also carry socket words.
  if (m.includes('no encryption') || m.includes('ssl off') || m.includes('ssl required') || m.includes('requires ssl') || m.includes('only secure connections')) {
    return problem('tls-required', `${engine} at ${where} requires TLS for this connection: set TLS to "require" or "verify".`);
  }
  if (m.includes('server does not support ssl') || m.includes('wrong version number') || m.includes('packet length too long') ||
      m.includes('ssl routines') || (m.includes('encryption') && m.includes('compatible')) || m.includes('tls handshake') ||
      code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    return problem('tls-refused', `${engine} at ${where} does not accept TLS here: set TLS to "disable", or enable TLS on the server.`);
  }
  if (m.includes('self-signed') || m.includes('self signed') || m.includes('unable to verify') || m.includes('certificate') ||
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return problem('tls-untrusted', `${engine} at ${where} presented a certificate that is not trusted: use TLS "require" to skip verification, or trust its CA.`);
  }
  if (m.includes('database') && m.includes('does not exist')) {
    return problem('unknown-database', worded['unknown-database']);
  }
  if (code === 'EACCES' || module.permissionCodes?.includes(code) || m.includes('permission denied')) {
    return problem('permission', worded.permission);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || m.includes('getaddrinfo')) {
    return problem('unknown-host', `Host "${profile.host ?? ''}" could not be found: check the name.`);
  }
  if (code === 'ETIMEDOUT' || m.includes('timeout') || m.includes('timed out')) {
    return problem('timeout', `${engine} at ${where} did not answer within ${Math.round(profile.connectTimeoutMs / 100) / 10} s.`);
  }
  if (code === 'ENOENT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' ||
      module.unreachableCodes?.includes(code) || m.includes('connection refused') || m.includes('connection is closed')) {
    return problem('unreachable', `Nothing is listening at ${where}: is ${engine} running and the port right?`);
  }
  return problem('other', `${engine} at ${where}: ${firstLine(message)}`);
}

/** The first line of a message, cut to a readable length: stack traces stay in the log. */
export function firstLine(text: string, max = 200): string {
  const line = (text.split('\n')[0] ?? '').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
