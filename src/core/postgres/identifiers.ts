import { pgSync } from '../drivers';

/**
 * Identifier quoting is the driver's (pg's escapeIdentifier), never ours:
 * quotes, spaces, mixed case, unicode, dots and semicolons all stay inside
 * one identifier.
 */
export function ident(name: string): string {
  return pgSync().escapeIdentifier(name);
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** Shown to people (titles, messages): schema.name, quoted only where SQL would need it. */
export function displayName(schema: string | undefined, name: string): string {
  const show = (n: string): string => (/^[a-z_][a-z0-9_$]*$/.test(n) ? n : ident(n));
  return schema ? `${show(schema)}.${show(name)}` : show(name);
}
