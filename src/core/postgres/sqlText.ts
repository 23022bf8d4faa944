/** SQL as text: bound values written as literals, for previews and fix scripts. */
import { pgSync } from '../drivers';

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return pgSync().escapeLiteral(typeof v === 'string' ? v : JSON.stringify(v));
}

/** Replaces $1 … with literals, outside quoted identifiers and strings, so a statement with bound values runs as text. */
export function inlineParams(sql: string, params: unknown[] | undefined): string {
  if (!params?.length) return sql;
  let out = '';
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] ?? '';
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      out += ch;
      continue;
    }
    const m = ch === '$' ? /^\$(\d+)/.exec(sql.slice(i)) : null;
    if (m?.[1] && Number(m[1]) >= 1 && Number(m[1]) <= params.length) {
      out += literal(params[Number(m[1]) - 1]);
      i += m[0].length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}
