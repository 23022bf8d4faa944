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

/** Replaces the password part of any `scheme://user:password@` in the text. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+]*:\/\/[^/\s:@]*:)([^@\s/]*)@/gi, '$1***@');
}
