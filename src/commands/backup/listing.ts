/** A connection's backups as a Markdown page (List Backups). */
import type { BackupEntry, BackupSupport } from '../../core/backup/model';
import { formatAge, formatBytes } from '../../core/format';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));

export function backupsToMarkdown(connectionName: string, folder: string, entries: BackupEntry[], support: BackupSupport, now = new Date()): string {
  const lines = [`# Backups — ${cell(connectionName)}`, '', `In \`${folder.replace(/`/g, '')}\`, newest first. ${cell(support.describe(support.defaultFormat))}`, ''];
  if (!entries.length) return `${lines.join('\n')}\nNo backups of this connection in that folder yet.\n`;
  lines.push('| taken | database | file | size | format | verified | counts |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const e of entries) {
    const m = e.manifest;
    const v = m?.verification;
    const verified = e.outside ? 'from outside Upkeep (no manifest)' : v ? `${v.status === 'not-verifiable' ? 'not verifiable' : v.status} ${formatAge(new Date(v.at), now)}: ${v.summary}` : 'never verified';
    const counts = m ? Object.entries(m.counts).map(([k, n]) => `${n.toLocaleString('en-US')} ${k}`).join(', ') : '';
    lines.push(`| ${e.takenAt.toISOString().replace('T', ' ').slice(0, 19)} (${formatAge(e.takenAt, now)}) | ${cell(m?.database ?? '')} | ${cell(e.name)} | ${formatBytes(e.sizeBytes)} | ${cell(m?.format ?? '')} | ${cell(verified)} | ${cell(counts)} |`);
  }
  return `${lines.join('\n')}\n`;
}
