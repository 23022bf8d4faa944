import { type ConnectionProfile, describeTarget, ENGINE_LABELS } from './profile';
import { redact } from './redact';

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
  | 'other';

/** Problems that say the connection itself is unusable (as opposed to one query failing). */
export const CONNECTION_LEVEL: ReadonlySet<ProblemKind> = new Set<ProblemKind>([
  'unreachable', 'unknown-host', 'timeout', 'auth', 'tls-required', 'tls-refused', 'tls-untrusted', 'unknown-database', 'connection-lost',
]);

/** One line a user can act on, plus a category tests and the UI can branch on. */
export interface ConnectionProblem {
  kind: ProblemKind;
  message: string;
}

interface ErrorFacts {
  code: string;
  message: string;
}

function factsOf(err: unknown): ErrorFacts {
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
 */
export function describeConnectionError(profile: ConnectionProfile, err: unknown, secrets: readonly (string | undefined)[] = []): ConnectionProblem {
  const { code, message } = factsOf(err);
  const where = describeTarget(profile);
  const engine = ENGINE_LABELS[profile.engine];
  const m = message.toLowerCase();
  const problem = (kind: ProblemKind, text: string): ConnectionProblem => ({ kind, message: redact(text, secrets) });

  // Query-level PostgreSQL outcomes first: their messages contain words like "timeout".
  if (code === '55P03') {
    return problem('lock-timeout', `Another session holds a lock on this object, so the read gave up (lock_timeout): try again when its DDL or maintenance ends.`);
  }
  if (code === '57014') {
    return m.includes('statement timeout')
      ? problem('statement-timeout', `The query ran longer than its statement_timeout and was stopped by ${engine}.`)
      : problem('statement-timeout', 'The query was cancelled on the server.');
  }
  if (code === '57P01' || code === '57P02' || code === '57P03' || (m.includes('connection terminated') && !m.includes('timeout')) || m.includes('server closed the connection') || m.includes('connection ended unexpectedly')) {
    return problem('connection-lost', `The connection to ${engine} at ${where} was lost (server shut down or restarted): refresh to reconnect.`);
  }
  // Refused sockets first: some drivers wrap them in text about encryption settings.
  if (code === 'ECONNREFUSED' || m.includes('econnrefused')) {
    return problem('unreachable', `Nothing is listening at ${where}: is ${engine} running and the port right?`);
  }
  // Order matters: TLS and auth messages can also carry socket words.
  if (code === '28P01' || m.includes('password authentication failed') || code === 'Neo.ClientError.Security.Unauthorized' ||
      m.includes('wrongpass') || m.includes('invalid username-password') || m.includes('noauth') || m.includes('the client is unauthorized due to authentication failure')) {
    return problem('auth', `${engine} rejected the user name or password for ${where}.`);
  }
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
  if (code === '3D000' || code === 'Neo.ClientError.Database.DatabaseNotFound' || m.includes('db index is out of range') || (m.includes('database') && m.includes('does not exist'))) {
    return problem('unknown-database', `${engine} at ${describeTarget({ ...profile, database: undefined })} has no database "${profile.database ?? ''}".`);
  }
  if (code === '28000' || code === '42501' || code === 'EACCES' || code === 'Neo.ClientError.Security.Forbidden' || m.includes('permission denied') || m.includes('noperm')) {
    return problem('permission', `${engine} at ${where} refused access: ${firstLine(message)}`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || m.includes('getaddrinfo')) {
    return problem('unknown-host', `Host "${profile.host ?? ''}" could not be found: check the name.`);
  }
  if (code === 'ETIMEDOUT' || m.includes('timeout') || m.includes('timed out')) {
    return problem('timeout', `${engine} at ${where} did not answer within ${Math.round(profile.connectTimeoutMs / 100) / 10} s.`);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' ||
      code === 'ServiceUnavailable' || m.includes('connection refused') || m.includes('econnrefused') || m.includes('connection is closed')) {
    return problem('unreachable', `Nothing is listening at ${where}: is ${engine} running and the port right?`);
  }
  return problem('other', `${engine} at ${where}: ${firstLine(message)}`);
}

/** The first line of a message, cut to a readable length: stack traces stay in the log. */
export function firstLine(text: string, max = 200): string {
  const line = (text.split('\n')[0] ?? '').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
