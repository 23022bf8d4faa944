import type { Logger } from '../log';
import { redactUrl } from './urlText';

/**
 * Removes secrets from text before it is logged or shown: every known secret
 * value (as typed and URL-encoded), and the password part of any URL. Short
 * secrets are still replaced; an empty one is ignored.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = redactUrl(text);
  // Longest first, so a secret that contains another is removed whole.
  const values = [...new Set([...secrets].flatMap((s) => (s ? [s, encodeURIComponent(s)] : [])))].sort((a, b) => b.length - a.length);
  for (const s of values) out = out.split(s).join('***');
  return out;
}

/**
 * Every secret value the extension has read in this session (from secret
 * storage, a password file or the environment), kept in memory only, so that
 * any log line or message can be cleaned of all of them — also where the code
 * writing the line does not know which connection it belongs to.
 *
 * Values shorter than MIN_LENGTH are left to the places that know the
 * connection (its probe, its errors, which redact its own password whatever
 * its length): replacing every `x` in every line would make the log unreadable,
 * and a password that short protects nothing.
 */
export class KnownSecrets {
  static readonly MIN_LENGTH = 4;
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= KnownSecrets.MIN_LENGTH) this.values.add(value);
  }

  list(): string[] {
    return [...this.values];
  }

  redact(text: string): string {
    return redact(text, this.values);
  }
}

/** A logger that passes every line through `redact` with the known secrets before it reaches `inner`. */
export function redactingLogger(inner: Logger, known: KnownSecrets): Logger {
  return {
    trace: (m) => inner.trace(known.redact(m)),
    debug: (m) => inner.debug(known.redact(m)),
    info: (m) => inner.info(known.redact(m)),
    warn: (m) => inner.warn(known.redact(m)),
    error: (m) => inner.error(known.redact(m)),
  };
}

/** An error as a log wants it: name, message and stack (the stack repeats the message in V8). */
export function errorDetail(err: unknown): string {
  if (err instanceof Error) return err.stack && err.stack.includes(err.message) ? err.stack : `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}`;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
