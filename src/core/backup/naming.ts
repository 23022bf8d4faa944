/**
 * How backups are named in their folder (pure): `<connection>_<database>_<UTC time>[-n]<ext>`,
 * each part reduced to letters, digits, `.` and `-` so `_` separates them. The
 * manifest beside a backup is `<name>.upkeep.json`; a backup being written is a
 * hidden temporary name in the same folder (same file system, so the final
 * rename is atomic).
 */

export const MANIFEST_SUFFIX = '.upkeep.json';
const PARTIAL_MARK = '.upkeep-partial-';

/** A name part: letters, digits, `.` and `-`; never empty, at most 40 characters. */
export function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40)
    .replace(/[-.]+$/g, '');
  return s || 'x';
}

/** `20261130T113500Z` (UTC, seconds). */
export function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function parseStamp(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The prefix every backup of this connection (and database) starts with. */
export function backupPrefix(connectionName: string, database: string | undefined): string {
  return database === undefined ? `${slug(connectionName)}_` : `${slug(connectionName)}_${slug(database)}_`;
}

/** The final name of a backup; `n` > 1 when that second's name is taken. */
export function backupName(connectionName: string, database: string | undefined, at: Date, extension: string, n = 1): string {
  return `${backupPrefix(connectionName, database)}${stamp(at)}${n > 1 ? `-${n}` : ''}${extension}`;
}

export function manifestName(backup: string): string {
  return `${backup}${MANIFEST_SUFFIX}`;
}

export function partialName(final: string, random: string): string {
  return `.${final}${PARTIAL_MARK}${random}`;
}

export function isPartialName(name: string): boolean {
  return name.startsWith('.') && name.includes(PARTIAL_MARK);
}

/**
 * A name in the folder read as a backup of this connection: the prefix, a
 * timestamp, an optional `-n` and one of the engine's extensions. The
 * database part is whatever lies between (a backup of another database of
 * the same connection matches too; `database` says which, slugged).
 */
export function matchBackupName(name: string, connectionName: string, extensions: readonly string[]): { at: Date; database: string | undefined } | undefined {
  const prefix = `${slug(connectionName)}_`;
  if (!name.startsWith(prefix) || name.endsWith(MANIFEST_SUFFIX)) return undefined;
  const ext = extensions.find((e) => name.endsWith(e));
  if (ext === undefined) return undefined;
  const middle = name.slice(prefix.length, name.length - ext.length);
  const m = /^(?:([A-Za-z0-9.-]+)_)?(\d{8}T\d{6}Z)(?:-\d+)?$/.exec(middle);
  if (!m?.[2]) return undefined;
  const at = parseStamp(m[2]);
  return at ? { at, database: m[1] } : undefined;
}
