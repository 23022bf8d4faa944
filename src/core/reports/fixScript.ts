/**
 * A fix script: the selected findings' fixes as one SQL file for review. Every
 * statement stands alone (VACUUM and the CONCURRENTLY forms refuse to run in
 * a transaction block). Comments never carry a line break from server text,
 * so a name can't end a comment and start a statement.
 */
import { pgSync } from '../drivers';
import type { MaintenanceOp } from '../postgres/maintenance';
import type { Finding } from './model';

/** One line of comment text: line breaks (and other control characters) become spaces. */
export function commentText(s: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

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

/** The statement as it goes in a script: values inlined, ending with one semicolon. */
export function statementText(op: MaintenanceOp): string {
  return `${inlineParams(op.sql, op.params).replace(/;\s*$/, '')};`;
}

function commentedOut(text: string): string {
  // Every line of it, even one inside a quoted name: no line escapes the comment.
  return text.split(/\r\n|\r|\n/).map((l) => `-- ${l}`).join('\n');
}

export function fixScript(findings: Finding[], connectionName: string, database: string, now: Date = new Date()): string {
  const lines = [
    '-- Upkeep fix script',
    `-- Connection: ${commentText(connectionName)}`,
    `-- Database: ${commentText(database)}`,
    `-- Generated: ${now.toISOString()}`,
    '-- Review before running; each statement runs on its own, outside a transaction',
    '-- (VACUUM and the CONCURRENTLY forms cannot run inside a transaction block: do not wrap this file in BEGIN/COMMIT).',
    '',
  ];
  const written = new Set<string>();
  const withFixes = findings.filter((f) => f.fixes.length > 0);
  for (const f of withFixes) {
    const [first, ...alternatives] = f.fixes;
    if (!first) continue;
    lines.push(`-- ${f.severity}: ${commentText(f.object)}: ${commentText(f.message)}`);
    lines.push(`-- ${commentText(first.title)} (risk: ${first.risk}; lock: ${first.lock.level}, ${commentText(first.lock.effect)})`);
    const stmt = statementText(first);
    if (written.has(stmt)) lines.push(commentedOut(`(already above) ${stmt}`));
    else lines.push(stmt);
    written.add(stmt);
    for (const alt of alternatives) {
      lines.push(`-- Alternative: ${commentText(alt.title)} (risk: ${alt.risk}; lock: ${alt.lock.level}, ${commentText(alt.lock.effect)})`);
      lines.push(commentedOut(statementText(alt)));
    }
    lines.push('');
  }
  const skipped = findings.length - withFixes.length;
  if (skipped > 0) lines.push(`-- ${skipped} selected finding${skipped === 1 ? ' has' : 's have'} no statement to run and ${skipped === 1 ? 'is' : 'are'} left out.`, '');
  if (!withFixes.length) lines.push('-- Nothing to run: none of the selected findings has a fix.', '');
  return lines.join('\n');
}
