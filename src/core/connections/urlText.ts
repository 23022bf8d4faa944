/** URL pieces every engine's parser shares, with no engine list behind them (url.ts asks the engines). */
import type { TlsMode } from './profile';

export class ConnectionUrlError extends Error {
  override name = 'ConnectionUrlError';
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

/**
 * Replaces the password part of every `scheme://user:password@host` in the
 * text, and the value of `password=` parameters. A password may hold `/`, `@`
 * or `:` unencoded (people paste such URLs), so the user part runs to the last
 * `@` of the URL, and everything between the first `:` and that `@` goes.
 * Text that only looks like a password is removed too: a log loses a port
 * number rather than keeps a secret.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)(\S*)@/gi, (whole: string, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      const at = userinfo.indexOf('@');
      // `user@host:5432/x@y`: the first `@` comes before any `:`, so there is no password here.
      if (colon < 0 || (at >= 0 && at < colon)) return whole;
      return `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(/\b(password|passwd|pwd)=("[^"]*"|'[^']*'|[^\s&;]+)/gi, '$1=***');
}
