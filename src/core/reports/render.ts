/**
 * Reports as files: Markdown, CSV, JSON, HTML (html.ts) and fix scripts
 * (fixScript.ts). Server-provided text is escaped for each format.
 */
import { actionText, formatCell, serverText } from './cells';
import type { CellValue, Column, Report, Section } from './model';

export { formatCell, NOT_AVAILABLE } from './cells';
export { renderHtml, escapeHtml } from './html';
export { serverText } from './cells';
export { fixScript, fixScriptLanguage, statementText } from './fixScript';
export { actionText } from './cells';

// ---------------------------------------------------------------- Markdown

/** Text that Markdown shows as written: no HTML, no emphasis, no table breaks. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\\`*_{}[\]<>|~&$]/g, '\\$&')
    // What would start a heading, list or quote at the start of a line.
    .replace(/^(\s*)([#+=-](?=\s|$)|\d+(?=[.)](?:\s|$)))/, (_m, sp: string, lead: string) => (/\d/.test(lead) ? `${sp}${lead}\\` : `${sp}\\${lead}`));
}

function mdTable(section: Section): string[] {
  const cols = section.columns;
  const head = `| ${cols.map((c) => escapeMarkdown(c.label)).join(' | ')} |`;
  const rule = `| ${cols.map((c) => (c.kind === 'text' || c.kind === 'sql' || c.kind === 'date' ? '---' : '---:')).join(' | ')} |`;
  const body = section.rows.map((r) => `| ${cols.map((c) => escapeMarkdown(formatCell(c, r[c.key]))).join(' | ')} |`);
  return [head, rule, ...body];
}

export function renderMarkdown(report: Report): string {
  const generated = `Generated ${escapeMarkdown(report.generatedAt)} in ${report.durationMs} ms.`;
  const out = [
    report.scope ? `# ${escapeMarkdown(report.title)}` : `# ${escapeMarkdown(report.title)} — ${escapeMarkdown(report.database)}`,
    '',
    report.scope
      ? `${escapeMarkdown(report.scope)}. ${generated}`
      : `Connection ${escapeMarkdown(report.connectionName)}, database ${escapeMarkdown(report.database)}, ${escapeMarkdown(serverText(report))}. ${generated}`,
    '',
    '## Findings',
    '',
  ];
  if (!report.findings.length) out.push('Nothing needs attention.', '');
  for (const f of report.findings) {
    out.push(`- **${f.severity}** ${escapeMarkdown(f.object)}: ${escapeMarkdown(f.message)}`);
    f.fixes.forEach((op, i) => out.push(`  - ${i === 0 ? 'Fix' : 'Alternative'} (${op.risk}): ${escapeMarkdown(op.text.replace(/\s+/g, ' '))}`));
    for (const a of f.actions ?? []) out.push(`  - ${escapeMarkdown(actionText(a))}`);
  }
  if (report.findings.length) out.push('');
  for (const s of report.sections) {
    out.push(`## ${escapeMarkdown(s.title)}`, '');
    if (s.description) out.push(escapeMarkdown(s.description), '');
    if (s.note) out.push(`> ${escapeMarkdown(s.note)}`, '');
    if (s.rows.length) out.push(...mdTable(s), '');
    else out.push(`_${escapeMarkdown(s.empty ?? 'Nothing to show.')}_`, '');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- CSV

/**
 * One RFC 4180 field. Text a spreadsheet would take for a formula (= + - @
 * at the start) gets a leading apostrophe: a table named =HYPERLINK(…) stays text.
 */
export function csvField(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CSV_UNITS: Partial<Record<Column['kind'], string>> = { bytes: 'bytes', percent: '%', duration: 's' };

function csvHeader(c: Column): string {
  const unit = CSV_UNITS[c.kind];
  return csvField(unit ? `${c.label} (${unit})` : c.label);
}

const csvLine = (fields: string[]): string => `${fields.join(',')}\r\n`;

/** Raw values (bytes as numbers, dates ISO), one block per section: a `# title` line, the header, the rows, a blank line between sections. */
export function renderCsv(report: Report): string {
  const blocks = report.sections.map((s) => {
    let text = `# ${s.title.replace(/[\r\n]+/g, ' ')}\r\n${s.columns.length ? csvLine(s.columns.map(csvHeader)) : ''}`;
    for (const r of s.rows) text += csvLine(s.columns.map((c) => csvField(r[c.key])));
    return text;
  });
  let findings = `# Findings\r\n${csvLine(['Severity', 'Section', 'Object', 'Message', 'Fix'].map((h) => csvField(h)))}`;
  for (const f of report.findings) findings += csvLine([f.severity, f.sectionId, f.object, f.message, f.fixes[0]?.text ?? (f.actions?.length ? f.actions.map(actionText).join('; ') : null)].map(csvField));
  return [...blocks, findings].join('\r\n');
}

// ---------------------------------------------------------------- JSON

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
