import { redactUrl } from './urlText';

/**
 * Removes secrets from text before it is logged or shown: every known secret
 * value, and the password part of any URL. Short secrets are still replaced;
 * an empty one is ignored.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = redactUrl(text);
  for (const s of secrets) {
    if (s) out = out.split(s).join('***');
  }
  return out;
}
