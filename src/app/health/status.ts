/**
 * What the status bar says about a health run, and which connections just
 * went from healthy to critical: pure functions (no editor), so the words and
 * the notification rule are unit-tested.
 */
import type { HealthRun, HealthSeverity, SubjectHealth } from '../../core/health/model';
import { severityRank } from '../../core/health/model';

export interface HealthStatusText {
  /** "$(warning) Upkeep: 2 warnings". */
  text: string;
  /** One line per subject that is not ok (all ok: one line saying so). */
  tooltip: string;
  worst: HealthSeverity | 'none';
}

const ICON: Record<HealthSeverity, string> = { critical: '$(error)', warning: '$(warning)', unknown: '$(question)', ok: '$(pass)' };
const SYMBOL: Record<HealthSeverity, string> = { critical: '✖', warning: '⚠', unknown: '?', ok: '✓' };

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** A subject's name as the user knows it. */
export function subjectName(s: SubjectHealth): string {
  return s.subject.name;
}

/** Problems counted by check: "1 critical, 2 warnings", worst first; unknowns only when nothing is worse. */
export function countWords(run: HealthRun): string {
  const checks = run.subjects.flatMap((s) => s.checks);
  const count = (sev: HealthSeverity): number => checks.filter((c) => c.severity === sev).length;
  const parts: string[] = [];
  if (count('critical')) parts.push(`${count('critical')} critical`);
  if (count('warning')) parts.push(plural(count('warning'), 'warning', 'warnings'));
  if (!parts.length && count('unknown')) parts.push(`${count('unknown')} unknown`);
  return parts.join(', ');
}

export function statusText(run: HealthRun | undefined, running: boolean): HealthStatusText {
  if (!run) {
    return { text: running ? '$(sync~spin) Upkeep: checking…' : '$(pulse) Upkeep', tooltip: running ? 'Upkeep health: the first check is running.' : 'Upkeep health: not checked yet. Click to check.', worst: 'none' };
  }
  if (!run.subjects.length) return { text: '$(pulse) Upkeep', tooltip: 'Upkeep health: no connections or endpoints to check.', worst: 'none' };
  const words = run.worst === 'ok' ? 'healthy' : countWords(run);
  const lines = [...run.subjects]
    .filter((s) => s.worst !== 'ok')
    .sort((a, b) => severityRank(b.worst) - severityRank(a.worst) || subjectName(a).localeCompare(subjectName(b)))
    .flatMap((s) => s.checks.filter((c) => c.severity !== 'ok').sort((a, b) => severityRank(b.severity) - severityRank(a.severity)).map((c) => `${SYMBOL[c.severity]} ${subjectName(s)} — ${c.title}: ${c.reason}`));
  const head = `Upkeep health, ${new Date(run.startedAt).toLocaleTimeString('en-GB')}: ${plural(run.subjects.length, 'subject', 'subjects')} checked${running ? ' (checking again…)' : ''}.`;
  return {
    text: `${running ? '$(sync~spin)' : ICON[run.worst]} Upkeep: ${words}`,
    tooltip: [head, ...(lines.length ? lines : ['All healthy.']), 'Click for the Health panel.'].join('\n'),
    worst: run.worst,
  };
}

export type NotifyMode = 'off' | 'production' | 'all';

export function notifyMode(value: unknown): NotifyMode {
  return value === 'off' || value === 'all' ? value : 'production';
}

/** A stable key for a subject across runs. */
export function subjectKey(s: SubjectHealth): string {
  return s.subject.kind === 'connection' ? `connection:${s.subject.id}` : `endpoint:${s.subject.name}`;
}

/**
 * The subjects that were healthy in the previous run and are critical now,
 * that the mode says to notify about: 'production' only production
 * connections, 'all' every connection and endpoint, 'off' none. A subject
 * seen for the first time has no "before": it does not notify.
 */
export function wentCritical(previous: HealthRun | undefined, next: HealthRun, mode: NotifyMode): SubjectHealth[] {
  if (mode === 'off' || !previous) return [];
  const before = new Map(previous.subjects.map((s) => [subjectKey(s), s.worst]));
  return next.subjects.filter((s) => {
    if (s.worst !== 'critical' || before.get(subjectKey(s)) !== 'ok') return false;
    return mode === 'all' || (s.subject.kind === 'connection' && s.subject.production);
  });
}

/** The notification's words: "Upkeep: prod-db is critical — Connections: 190 of 197 in use…". */
export function criticalMessage(s: SubjectHealth): string {
  const first = s.checks.find((c) => c.severity === 'critical');
  return `Upkeep: ${subjectName(s)} went from healthy to critical${first ? ` — ${first.title}: ${first.reason}` : ''}`;
}
