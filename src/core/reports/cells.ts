/** One cell as people read it, the same in every renderer (and in the panels). */
import { formatBytes, formatDuration } from '../format';
import type { CellValue, Column, FindingAction, Report } from './model';

export const NOT_AVAILABLE = 'n/a';

function duration(seconds: number): string {
  if (seconds < 3600) return formatDuration(seconds * 1000);
  const h = Math.floor(seconds / 3600);
  if (h < 24) return `${h} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

function date(value: string | number): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * bytes human-readable ("12 MB"), percent with one decimal ("42.5%"), numbers
 * grouped ("1,234,567"), dates as UTC, durations (seconds) as "3.2 s" or
 * "4 min 05 s", booleans yes/no, and null as "n/a".
 */
export function formatCell(column: Column, value: CellValue | undefined): string {
  if (value === null || value === undefined) return NOT_AVAILABLE;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' && !Number.isFinite(value)) return NOT_AVAILABLE;
  switch (column.kind) {
    case 'bytes':
      return typeof value === 'number' ? formatBytes(value) : value;
    case 'percent':
      return typeof value === 'number' ? `${value.toFixed(1)}%` : value;
    case 'number':
      return typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : value;
    case 'date':
      return date(value);
    case 'duration':
      return typeof value === 'number' ? duration(value) : value;
    case 'sql':
    case 'text':
      return String(value);
  }
}

/** "PostgreSQL 16.2", "Redis 7.2.4": the server's product (when the report names it) and version. */
export function serverText(report: Pick<Report, 'server' | 'serverVersion'>): string {
  return report.server ? `${report.server} ${report.serverVersion}` : report.serverVersion;
}

/**
 * A finding's editor command in words, for exports and the CLI: "Back up now
 * (Upkeep command upkeep.backup.backupNow, database app)".
 */
export function actionText(a: FindingAction): string {
  const said = (['database', 'path'] as const).filter((k) => a.args[k] !== undefined).map((k) => `${k === 'path' ? 'backup' : k} ${String(a.args[k])}`);
  return `${a.title} (Upkeep command ${a.command}${said.length ? `, ${said.join(', ')}` : ''})`;
}
