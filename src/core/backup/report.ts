/**
 * The backups report (pure): for every connection that can back up, how old,
 * how big and how proven its last backup is, the size of its backups over
 * time, and findings with the editor commands that fix them (Back up now,
 * Verify now). It reads only catalog entries and their manifests, so it is
 * the same for every engine; reportInput.ts gathers them (folders, devices),
 * the panel and the CLI render the Report.
 */
import { formatAge, formatBytes } from '../format';
import type { SettingsReader } from '../engine';
import type { CellValue, Finding, FindingAction, Report, Section, Severity } from '../reports/model';
import type { BackupEntry, VerifyResult } from './model';
import { slug } from './naming';

export const BACKUPS_REPORT_KIND = 'backups';

/** The commands a backups report's findings offer, the only ones its panel runs. */
export const BACKUP_NOW_COMMAND = 'upkeep.backup.backupNow';
export const VERIFY_COMMAND = 'upkeep.backup.verify';
export const BACKUP_REPORT_COMMANDS: readonly string[] = [BACKUP_NOW_COMMAND, VERIFY_COMMAND];

export interface BackupThresholds {
  /** A last backup older than this many days is stale (the guides back up weekly). */
  staleDays: number;
  /** A backup this many percent (or more) smaller than the previous one of the same kind is suspect. */
  sizeDropPercent: number;
}

export const DEFAULT_BACKUP_THRESHOLDS: BackupThresholds = { staleDays: 7, sizeDropPercent: 50 };

export function backupThresholds(settings: SettingsReader): BackupThresholds {
  const positive = (v: number, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);
  return {
    staleDays: positive(settings.get('upkeep.backup.staleDays', DEFAULT_BACKUP_THRESHOLDS.staleDays), DEFAULT_BACKUP_THRESHOLDS.staleDays),
    sizeDropPercent: Math.min(100, positive(settings.get('upkeep.backup.sizeDropPercent', DEFAULT_BACKUP_THRESHOLDS.sizeDropPercent), DEFAULT_BACKUP_THRESHOLDS.sizeDropPercent)),
  };
}

/** One connection and what its backup folder holds. */
export interface ConnectionBackups {
  id: string;
  name: string;
  /** The engine as people name it ("PostgreSQL"). */
  engineLabel: string;
  folder: string;
  /** listBackups of the folder (any order). */
  entries: BackupEntry[];
  /** Why the folder could not be read, when it could not. */
  folderProblem?: string;
  /** The server's data directory, when the backup folder is on the same disk as it. */
  sameDiskAs?: string;
}

export interface BackupsReportInput {
  connections: ConnectionBackups[];
  now: Date;
  thresholds: BackupThresholds;
  /** Time the caller spent gathering the input (listing folders), for the report's header. */
  durationMs?: number;
}

/** A connection's backups of one database (or of the whole server, when its engine's backups name none). */
interface Group {
  key: string;
  conn: ConnectionBackups;
  database: string | undefined;
  /** Newest first. */
  entries: BackupEntry[];
}

const DAY_S = 86_400;

/** The database a backup is of: its manifest's, or the one a name from outside Upkeep carries (matched to a known database by its slug). */
function groups(conn: ConnectionBackups): Group[] {
  const byDb = new Map<string, Group>();
  const keyOf = (db: string | undefined): string => `${conn.id}\u0000${db ?? ''}`;
  const sorted = [...conn.entries].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  for (const e of sorted.filter((x) => x.manifest)) {
    const db = e.manifest?.database;
    const g = byDb.get(keyOf(db)) ?? { key: keyOf(db), conn, database: db, entries: [] };
    g.entries.push(e);
    byDb.set(g.key, g);
  }
  for (const e of sorted.filter((x) => !x.manifest)) {
    // `<connection>_<database>_<time>`: the part between the prefix and the time, when there is one.
    const middle = /_([A-Za-z0-9.-]+)_\d{8}T\d{6}Z/.exec(e.name)?.[1];
    const known = [...byDb.values()].find((g) => g.database !== undefined && middle !== undefined && slug(g.database) === middle);
    const db = known?.database ?? middle;
    const g = byDb.get(keyOf(db)) ?? { key: keyOf(db), conn, database: db, entries: [] };
    g.entries.push(e);
    byDb.set(g.key, g);
  }
  for (const g of byDb.values()) g.entries.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  return byDb.size ? [...byDb.values()] : [{ key: keyOf(undefined), conn, database: undefined, entries: [] }];
}

function groupName(g: Group): string {
  return g.database === undefined ? g.conn.name : `${g.conn.name} / ${g.database}`;
}

/** What kind of backup an entry is, so a schema-only dump is not compared with a full one. */
function sameKind(a: BackupEntry, b: BackupEntry): boolean {
  const kind = (e: BackupEntry): string => (e.manifest ? `${e.manifest.format}\u0000${e.manifest.options.content ?? 'all'}` : `outside\u0000${e.name.replace(/^.*?(\.[^.]*)$/, '$1')}`);
  return kind(a) === kind(b);
}

function verificationText(e: BackupEntry, now: Date): string {
  if (!e.manifest) return 'from outside Upkeep (no manifest)';
  const v = e.manifest.verification;
  if (!v) return 'never verified';
  const status = v.status === 'not-verifiable' ? 'not verifiable here' : v.status;
  return `${status} ${formatAge(new Date(v.at), now)}`;
}

function lastPassed(entries: BackupEntry[]): VerifyResult | undefined {
  return entries
    .map((e) => e.manifest?.verification)
    .filter((v): v is VerifyResult => v?.status === 'passed')
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
}

function methodText(e: BackupEntry): string {
  const m = e.manifest;
  if (!m) return `outside Upkeep (${e.name.replace(/^.*?(\.[^.]*)$/, '$1')})`;
  // The tool's name without its folder: "pg_dump 15.4", not the path it was found at.
  return `${m.format}${m.options.content ? ` (${m.options.content} only)` : ''} · ${m.tool.replace(/^.*[\\/]/, '')} ${m.toolVersion}`;
}

function ageSeconds(at: Date, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
}

function days(seconds: number): string {
  const d = seconds / DAY_S;
  return d >= 10 ? `${Math.round(d)} days` : `${d.toFixed(1).replace(/\.0$/, '')} days`;
}

function backupNow(g: Group): FindingAction {
  return { title: 'Back up now', command: BACKUP_NOW_COMMAND, args: { connectionId: g.conn.id, folder: g.conn.folder, ...(g.database !== undefined ? { database: g.database } : {}) } };
}

function verifyNow(g: Group, e: BackupEntry): FindingAction {
  return { title: 'Verify now', command: VERIFY_COMMAND, args: { connectionId: g.conn.id, folder: g.conn.folder, path: e.path, ...(g.database !== undefined ? { database: g.database } : {}) } };
}

function finding(g: Group, rule: string, severity: Severity, message: string, evidence: Record<string, CellValue>, actions: FindingAction[]): Finding {
  return { id: `${BACKUPS_REPORT_KIND}:connections:${g.key}:${rule}`, severity, sectionId: 'connections', rowKey: g.key, object: groupName(g), message, evidence, fixes: [], actions };
}

/** The findings of one connection's (database's) backups, most serious first. */
function groupFindings(g: Group, input: BackupsReportInput): Finding[] {
  const { now, thresholds } = input;
  const out: Finding[] = [];
  const folder = { folder: g.conn.folder };
  if (g.conn.sameDiskAs) {
    out.push(finding(g, 'same-disk', 'warning', `The backup folder is on the same disk as the server's data directory (${g.conn.sameDiskAs}): one disk failure loses the data and its backups.`, { ...folder, dataDirectory: g.conn.sameDiskAs }, []));
  }
  const last = g.entries[0];
  if (!last) {
    const why = g.conn.folderProblem ? ` (the folder could not be read: ${g.conn.folderProblem})` : '';
    out.unshift(finding(g, 'none', 'critical', `No backup at all in ${g.conn.folder}${why}.`, folder, [backupNow(g)]));
    return out;
  }
  const age = ageSeconds(last.takenAt, now);
  if (age > thresholds.staleDays * DAY_S) {
    out.push(finding(g, 'stale', 'warning', `The last backup (${last.name}) is ${days(age)} old, more than the ${thresholds.staleDays}-day threshold (upkeep.backup.staleDays).`, { ...folder, file: last.name, takenAt: last.takenAt.toISOString(), ageDays: Math.round((age / DAY_S) * 10) / 10 }, [backupNow(g)]));
  }
  const v = last.manifest?.verification;
  if (!last.manifest) {
    out.push(finding(g, 'outside-last', 'info', `The last backup (${last.name}) came from outside Upkeep: without a manifest there is nothing recorded at backup time to verify a restore against.`, { ...folder, file: last.name }, [backupNow(g)]));
  } else if (!v) {
    out.push(finding(g, 'never-verified', 'warning', `The last backup (${last.name}) was never verified: nobody knows whether it restores.`, { ...folder, file: last.name }, [verifyNow(g, last)]));
  } else if (v.status === 'failed') {
    const diffs = v.differences.slice(0, 5).join('; ');
    const more = v.differences.length > 5 ? ` (and ${v.differences.length - 5} more)` : '';
    out.push(finding(g, 'verify-failed', 'critical', `Verify of the last backup (${last.name}) failed ${formatAge(new Date(v.at), now)}: ${v.summary}${diffs && diffs !== v.summary ? ` — ${diffs}${more}` : ''}`, { ...folder, file: last.name, verifiedAt: v.at, summary: v.summary, differences: v.differences.join('\n') }, [verifyNow(g, last), backupNow(g)]));
  } else if (v.status === 'not-verifiable') {
    out.push(finding(g, 'not-verifiable', 'info', `The last backup (${last.name}) could not be verified here: ${v.summary}`, { ...folder, file: last.name, summary: v.summary }, [verifyNow(g, last)]));
  }
  const previous = g.entries.slice(1).find((e) => sameKind(e, last));
  if (previous && previous.sizeBytes > 0) {
    const drop = ((previous.sizeBytes - last.sizeBytes) / previous.sizeBytes) * 100;
    if (drop >= thresholds.sizeDropPercent) {
      out.push(finding(g, 'size-drop', 'warning', `The last backup (${last.name}, ${formatBytes(last.sizeBytes)}) is ${Math.round(drop)}% smaller than the one before (${previous.name}, ${formatBytes(previous.sizeBytes)}): a sudden drop often means a broken dump or lost data (threshold ${thresholds.sizeDropPercent}%, upkeep.backup.sizeDropPercent).`,
        { ...folder, file: last.name, sizeBytes: last.sizeBytes, previousFile: previous.name, previousSizeBytes: previous.sizeBytes, dropPercent: Math.round(drop * 10) / 10 }, last.manifest ? [verifyNow(g, last)] : []));
    }
  }
  const outside = g.entries.filter((e) => !e.manifest).length;
  if (outside) {
    out.push(finding(g, 'outside', 'info', `${outside} backup${outside === 1 ? '' : 's'} in the folder came from outside Upkeep (the naming matches, no manifest): listed, marked as such, never verified or retired by Upkeep.`, { ...folder, count: outside }, []));
  }
  return out;
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function buildBackupsReport(input: BackupsReportInput): Report {
  const { now } = input;
  const all = input.connections.flatMap(groups);
  const summaryRows = all.map((g): Record<string, CellValue> => {
    const last = g.entries[0];
    const good = lastPassed(g.entries);
    return {
      _key: g.key,
      connection: g.conn.name,
      engine: g.conn.engineLabel,
      database: g.database ?? null,
      lastBackup: last ? last.takenAt.toISOString() : null,
      age: last ? ageSeconds(last.takenAt, now) : null,
      size: last ? last.sizeBytes : null,
      method: last ? methodText(last) : null,
      verification: last ? verificationText(last, now) : 'no backup',
      lastGoodVerify: good ? ageSeconds(new Date(good.at), now) : null,
      kept: g.entries.length,
      outside: g.entries.filter((e) => !e.manifest).length,
      folder: g.conn.folder,
    };
  });
  const historyRows = all.flatMap((g) =>
    g.entries.map((e): Record<string, CellValue> => ({
      _key: e.path,
      series: groupName(g),
      taken: e.takenAt.toISOString(),
      size: e.sizeBytes,
      file: e.name,
      method: methodText(e),
      origin: e.manifest ? 'Upkeep' : 'outside Upkeep',
      verification: verificationText(e, now),
    })),
  ).sort((a, b) => String(b['taken']).localeCompare(String(a['taken'])));
  const connections: Section = {
    id: 'connections',
    title: 'Connections',
    description: `The last backup of each connection (and database), its age, size, method and verification; "last good verify" is the age of the newest passed verify of any of its backups. Stale after ${input.thresholds.staleDays} days; a drop of ${input.thresholds.sizeDropPercent}% from the previous backup is flagged.`,
    columns: [
      { key: 'connection', label: 'Connection', kind: 'text' },
      { key: 'engine', label: 'Engine', kind: 'text' },
      { key: 'database', label: 'Database', kind: 'text' },
      { key: 'lastBackup', label: 'Last backup', kind: 'date' },
      { key: 'age', label: 'Age', kind: 'duration' },
      { key: 'size', label: 'Size', kind: 'bytes' },
      { key: 'method', label: 'Method', kind: 'text' },
      { key: 'verification', label: 'Verification', kind: 'text' },
      { key: 'lastGoodVerify', label: 'Last good verify', kind: 'duration' },
      { key: 'kept', label: 'Backups kept', kind: 'number' },
      { key: 'outside', label: 'From outside Upkeep', kind: 'number' },
      { key: 'folder', label: 'Folder', kind: 'text' },
    ],
    rows: summaryRows,
    empty: 'No connection can be backed up yet: add a PostgreSQL or Redis connection (or any engine with backups).',
  };
  const history: Section = {
    id: 'history',
    title: 'Backup history',
    description: 'Every backup in the connections\' folders, newest first; those without an Upkeep manifest are marked "outside Upkeep".',
    columns: [
      { key: 'series', label: 'Connection', kind: 'text' },
      { key: 'taken', label: 'Taken', kind: 'date' },
      { key: 'size', label: 'Size', kind: 'bytes' },
      { key: 'origin', label: 'Origin', kind: 'text' },
      { key: 'verification', label: 'Verification', kind: 'text' },
      { key: 'method', label: 'Method', kind: 'text' },
      { key: 'file', label: 'File', kind: 'text' },
    ],
    rows: historyRows,
    chart: { kind: 'line', title: 'Backup size over time', x: 'taken', y: ['size'], series: 'series' },
    empty: 'No backups yet.',
  };
  const problems = input.connections.filter((c) => c.folderProblem);
  if (problems.length) history.note = `Not read: ${problems.map((c) => `${c.name} (${c.folderProblem ?? ''})`).join('; ')}.`;
  const findings = all.flatMap((g) => groupFindings(g, input)).sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  const n = input.connections.length;
  return {
    kind: BACKUPS_REPORT_KIND,
    title: 'Backups',
    connectionName: '',
    database: 'all connections',
    serverVersion: '',
    scope: `${n} connection${n === 1 ? '' : 's'} with backups · ${historyRows.length} backup${historyRows.length === 1 ? '' : 's'}`,
    generatedAt: now.toISOString(),
    durationMs: input.durationMs ?? 0,
    sections: [connections, history],
    findings,
  };
}
