/**
 * Health checks as data, for every engine and for the user's own HTTP
 * services: computed in core (each engine's checks live in its folder, behind
 * its module's `health` hook), shown by the editor's status bar and Health
 * panel and printed by the CLI (`upkeep health`). A check is cheap: one or two
 * catalog reads with their own timeout, never a report's full scan.
 */
import type { ConnectionProfile } from '../connections/profile';
import type { Engine, EngineSession, SettingsReader } from '../engine';
import type { Logger } from '../log';

/** ok < warning < critical; unknown: the check could not be made (unreachable, timed out, no permission). */
export type HealthSeverity = 'ok' | 'warning' | 'critical' | 'unknown';

/** Where the editor can take the user for a check: the node or report that explains it, or a fix. The CLI prints only the title. */
export interface HealthLink {
  title: string;
  /** An Upkeep command id ('upkeep.report.open', 'upkeep.backup.now'…). */
  command: string;
  args?: unknown[];
}

export interface HealthCheck {
  /** Stable: 'reachable', 'cache-hit', 'connections', 'wraparound', 'last-backup'… */
  id: string;
  /** "Cache hit ratio". */
  title: string;
  severity: HealthSeverity;
  /** One line, with the number and the threshold: "cache hit 91.2 % (warning below 95 %)". */
  reason: string;
  /** The node or report that explains it. */
  explain?: HealthLink;
  /** The fixes the reports already offer, first the suggested one. */
  fixes?: HealthLink[];
}

/** What an engine's checks are computed from (as ReportRequest, without a database choice). */
export interface HealthRequest {
  session: EngineSession;
  profile: ConnectionProfile;
  /** Aborted when the connection's time is up or the run is stopped. */
  signal: AbortSignal;
  /** Thresholds are the reports' own settings ('upkeep.reports.*', 'upkeep.health.*'). */
  settings: SettingsReader;
  /** The connection's backup folder, for the age of its last backup (absent: not checked). */
  backupFolder?: string;
  log?: Logger;
}

/** An engine's health checks; the module's `health` hook loads this at first use. */
export interface EngineHealth {
  check(req: HealthRequest): Promise<HealthCheck[]>;
}

/** A named URL from `upkeep.health.endpoints`, healthy when the status is 2xx and the body matches `bodyMatches` (a regular expression) if given. */
export interface HealthEndpoint {
  name: string;
  url: string;
  bodyMatches?: string;
  /** Per-request limit; the run's default otherwise. */
  timeoutMs?: number;
}

export type HealthSubject =
  | { kind: 'connection'; id: string; name: string; engine: Engine; production: boolean }
  | { kind: 'endpoint'; name: string; url: string };

/** One connection's or endpoint's checks from one run. */
export interface SubjectHealth {
  subject: HealthSubject;
  /** The worst of its checks ('unknown' when it could not be checked at all). */
  worst: HealthSeverity;
  checks: HealthCheck[];
  /** ISO 8601. */
  checkedAt: string;
  durationMs: number;
}

export interface HealthRun {
  /** The worst over every subject. */
  worst: HealthSeverity;
  subjects: SubjectHealth[];
  startedAt: string;
  durationMs: number;
}

const RANK: Record<HealthSeverity, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** Sort key: critical first, then warning, unknown, ok. */
export function severityRank(s: HealthSeverity): number {
  return RANK[s];
}

/** The worst of several severities; 'ok' for none. Critical outranks warning outranks unknown outranks ok. */
export function worstOf(list: readonly HealthSeverity[]): HealthSeverity {
  let worst: HealthSeverity = 'ok';
  for (const s of list) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** The CLI's exit code: 0 healthy, 1 warning, 2 critical, 3 could not check (an unknown without anything worse). */
export function exitCodeOf(worst: HealthSeverity): 0 | 1 | 2 | 3 {
  return worst === 'ok' ? 0 : worst === 'warning' ? 1 : worst === 'critical' ? 2 : 3;
}
