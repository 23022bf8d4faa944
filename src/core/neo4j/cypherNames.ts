/** Names and values written into Cypher text: the exact text an Operation shows is the text it sends. */

/** A label, relationship type, property key, index, constraint or database name as a Cypher identifier: backticks, with backticks doubled. */
export function cypherName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A string literal: single quotes, with backslashes and quotes escaped (Cypher's string escapes). */
export function cypherString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** A driver value (Integer, bigint, number, null) as a number. */
export function toNumber(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

/** A driver temporal (DateTime) as a Date, or null. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'object' && typeof (v as { toStandardDate?: unknown }).toStandardDate === 'function') return (v as { toStandardDate(): Date }).toStandardDate();
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A driver Duration as milliseconds. */
export function durationMs(v: unknown): number {
  if (!v || typeof v !== 'object') return 0;
  const d = v as { months?: unknown; days?: unknown; seconds?: unknown; nanoseconds?: unknown };
  return (toNumber(d.months) * 30 + toNumber(d.days)) * 86_400_000 + toNumber(d.seconds) * 1000 + toNumber(d.nanoseconds) / 1e6;
}
