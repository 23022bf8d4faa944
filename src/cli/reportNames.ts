/**
 * Report names on the command line, derived from what the engines offer:
 * each engine report kind answers to its own id (`bloat`, `memory`) and to
 * `<engine>-<kind>` (`redis-memory`); which engine is meant comes from the
 * connection. Reports over every connection rather than one engine's (the
 * backups report) sit in CONNECTION_REPORTS, one entry each.
 */
import type { ConnectionProfile } from '../core/connections/profile';
import type { EngineModule, EngineReports, ReportKindInfo, SettingsReader } from '../core/engine';
import { ENGINE_MODULES, engineModule } from '../core/engines';
import type { Report } from '../core/reports/model';
import { CliError } from './errors';

/** What a report over the configured connections is built from. */
export interface ConnectionsReportRequest {
  /** The connections it covers: the one named with --connection, else every configured one. */
  profiles: readonly ConnectionProfile[];
  database?: string;
  settings: SettingsReader;
  storageDir: string;
  /** A connection's backup folder, chosen as the editor chooses it. */
  backupFolder: (profile: ConnectionProfile) => string;
  /** Where a server on this machine keeps its data (the engine's `dataDirectory` hook), within a few seconds, else undefined. */
  dataDirectoryOf: (profile: ConnectionProfile) => Promise<string | undefined>;
  signal: AbortSignal;
}

export interface ConnectionsReport {
  title: string;
  /** Absent: not in this build (its core code is still to come). */
  build?(req: ConnectionsReportRequest): Promise<Report>;
}

/** Reports over the configured connections, by CLI name: one entry each. */
export const CONNECTION_REPORTS: Readonly<Record<string, ConnectionsReport>> = {
  backups: {
    title: 'Backups',
    build: async (req) =>
      (await import('../core/backup/reportInput')).backupsReport({ profiles: req.profiles, folderOf: req.backupFolder, settings: req.settings, dataDirectoryOf: req.dataDirectoryOf, signal: req.signal }),
  },
};

/** `bloat`, and `postgres-bloat`: the names one kind of one engine answers to. */
export function namesOf(engine: Pick<EngineModule, 'id'>, kind: Pick<ReportKindInfo, 'id'>): string[] {
  const prefixed = kind.id.startsWith(`${engine.id}-`) ? kind.id : `${engine.id}-${kind.id}`;
  return prefixed === kind.id ? [kind.id] : [kind.id, prefixed];
}

export type ResolvedReport =
  | { kind: 'engine'; engine: EngineModule; reports: EngineReports; info: ReportKindInfo }
  | { kind: 'connections'; name: string; report: ConnectionsReport };

/** A report over the configured connections, by its CLI name. */
export function connectionsReport(name: string): ConnectionsReport | undefined {
  return Object.hasOwn(CONNECTION_REPORTS, name) ? CONNECTION_REPORTS[name] : undefined;
}

/** The report `name` means for this connection, or a usage error saying which names its engine offers. */
export function resolveReport(name: string, profile: ConnectionProfile): ResolvedReport {
  const across = connectionsReport(name);
  if (across) return { kind: 'connections', name, report: across };
  const engine = engineModule(profile.engine);
  const info = engine.reports?.kinds.find((k) => namesOf(engine, k).includes(name));
  if (engine.reports && info) return { kind: 'engine', engine, reports: engine.reports, info };
  const offered = engine.reports?.kinds.map((k) => namesOf(engine, k).at(-1) ?? k.id) ?? [];
  const elsewhere = ENGINE_MODULES.filter((m) => m.reports?.kinds.some((k) => namesOf(m, k).includes(name))).map((m) => m.label);
  const known = elsewhere.length ? `"${name}" is a report of ${elsewhere.join(' and ')} connections` : `there is no "${name}" report (upkeep report --help lists them)`;
  const own = offered.length ? `${engine.label} connections offer ${offered.join(', ')}` : `${engine.label} connections offer no report`;
  throw new CliError(`${known}; “${profile.name}” is a ${engine.label} connection, and ${own}${Object.keys(CONNECTION_REPORTS).length ? `, besides ${Object.keys(CONNECTION_REPORTS).join(', ')}` : ''}`, 'usage');
}

/** For help: each engine's reports by their CLI names ("Redis: redis-memory, redis-health"), then the reports over every connection. */
export function reportCatalog(): string[] {
  const lines = ENGINE_MODULES.filter((m) => m.reports?.kinds.length).map((m) => {
    const names = (m.reports?.kinds ?? []).map((k) => namesOf(m, k));
    return `${m.label}: ${names.map((n) => n.join(' or ')).join(', ')}`;
  });
  const across = Object.entries(CONNECTION_REPORTS).map(([name, r]) => `${name}${r.build ? '' : ' (not available in this build)'}`);
  return across.length ? [...lines, `Any connection: ${across.join(', ')}`] : lines;
}
