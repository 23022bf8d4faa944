/**
 * A health run as the CLI prints it: text like the guides' health-check.sh
 * (one line a check, a summary line last), the HealthRun as JSON, or JUnit
 * XML for CI and monitoring that read test reports (a testsuite per
 * connection or endpoint, a failure per warning or critical check, an error
 * per check that could not be made).
 */
import { engineLabel } from '../core/connections/profile';
import type { HealthRun, HealthSeverity, SubjectHealth } from '../core/health/model';

const EMOJI: Record<HealthSeverity, string> = { ok: '✅', warning: '⚠️', critical: '❌', unknown: '❔' };
const WORD: Record<HealthSeverity, string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', unknown: 'UNKNOWN' };

/**
 * Text from a server or a settings file, safe on a terminal: control
 * characters (an ESC that would start a terminal sequence, line breaks that
 * would forge another line) become one space.
 */
export function terminalText(s: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** "Shop (PostgreSQL)", "api (http://…)". */
export function subjectLabel(s: SubjectHealth): string {
  const subject = s.subject;
  return subject.kind === 'connection' ? `${subject.name} (${engineLabel(subject.engine)})` : `${subject.name} (${subject.url})`;
}

function mark(severity: HealthSeverity, emoji: boolean): string {
  return emoji ? EMOJI[severity] : WORD[severity].padEnd(8);
}

/** One line a check, then the summary: "✅ All 5 healthy" or "❌ 1 critical, 2 warnings, 1 not checked (of 6)". */
export function renderHealthText(run: HealthRun, emoji: boolean): string {
  const lines: string[] = [];
  for (const s of run.subjects) {
    for (const c of s.checks) {
      const reason = c.severity === 'unknown' ? `could not check: ${c.reason}` : c.reason;
      lines.push(terminalText(`${mark(c.severity, emoji)} ${subjectLabel(s)} — ${c.title}: ${reason}`));
    }
  }
  lines.push(`${mark(run.worst, emoji)} ${summary(run)}`);
  return `${lines.join('\n')}\n`;
}

export function summary(run: HealthRun): string {
  const total = run.subjects.length;
  if (!total) return 'Nothing to check: no connections or endpoints configured';
  const count = (s: HealthSeverity): number => run.subjects.filter((x) => x.worst === s).length;
  if (run.worst === 'ok') return `All ${total} healthy`;
  const parts = [
    count('critical') ? `${count('critical')} critical` : '',
    count('warning') ? `${count('warning')} warning${count('warning') === 1 ? '' : 's'}` : '',
    count('unknown') ? `${count('unknown')} not checked` : '',
    count('ok') ? `${count('ok')} healthy` : '',
  ].filter(Boolean);
  return `${parts.join(', ')} (of ${total})`;
}

export function renderHealthJson(run: HealthRun): string {
  return `${JSON.stringify(run, null, 2)}\n`;
}

/** Text for XML: the five special characters escaped, and the characters XML 1.0 cannot hold at all left out. */
export function xmlText(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex -- characters XML 1.0 forbids
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

export function renderHealthJunit(run: HealthRun): string {
  const all = run.subjects.flatMap((s) => s.checks);
  const failures = (list: typeof all): number => list.filter((c) => c.severity === 'warning' || c.severity === 'critical').length;
  const errors = (list: typeof all): number => list.filter((c) => c.severity === 'unknown').length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="upkeep health" tests="${all.length}" failures="${failures(all)}" errors="${errors(all)}" time="${seconds(run.durationMs)}" timestamp="${xmlText(run.startedAt)}">`,
  ];
  for (const s of run.subjects) {
    const group = s.subject.kind === 'connection' ? `upkeep.${s.subject.engine}` : 'upkeep.endpoint';
    out.push(`  <testsuite name="${xmlText(subjectLabel(s))}" tests="${s.checks.length}" failures="${failures(s.checks)}" errors="${errors(s.checks)}" skipped="0" time="${seconds(s.durationMs)}" timestamp="${xmlText(s.checkedAt)}">`);
    for (const c of s.checks) {
      const open = `    <testcase classname="${xmlText(`${group}.${s.subject.name}`)}" name="${xmlText(c.title)}" time="0">`;
      if (c.severity === 'ok') out.push(`${open}<system-out>${xmlText(c.reason)}</system-out></testcase>`);
      else {
        const tag = c.severity === 'unknown' ? 'error' : 'failure';
        out.push(open, `      <${tag} type="${c.severity}" message="${xmlText(c.reason)}">${xmlText(`${c.severity}: ${c.reason}`)}</${tag}>`, '    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** Whether the terminal shows emoji: stdout is a terminal and the locale says UTF-8. */
export function emojiByDefault(isTty: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (!isTty || env['TERM'] === 'dumb') return false;
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return /utf-?8/i.test(locale);
}
