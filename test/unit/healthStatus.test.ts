import { strict as assert } from 'node:assert';
import { criticalMessage, notifyMode, statusText, wentCritical } from '../../src/app/health/status';
import { parseEndpoints } from '../../src/core/health/endpoints';
import { exitCodeOf, worstOf, type HealthCheck, type HealthRun, type HealthSeverity, type SubjectHealth } from '../../src/core/health/model';
import { linkOf, parseHealthMessage } from '../../src/webviews/healthProtocol';


const check = (severity: HealthSeverity, id = 'c'): HealthCheck => ({ id, title: `T ${id}`, severity, reason: `reason ${id}` });
function subject(name: string, severities: HealthSeverity[], opts: { production?: boolean; endpoint?: boolean } = {}): SubjectHealth {
  const checks = severities.map((s, i) => check(s, `c${i}`));
  return {
    subject: opts.endpoint ? { kind: 'endpoint', name, url: 'http://x' } : { kind: 'connection', id: name, name, engine: 'postgres', production: opts.production === true },
    worst: worstOf(severities),
    checks,
    checkedAt: '2026-11-30T12:00:00.000Z',
    durationMs: 5,
  };
}
const run = (...subjects: SubjectHealth[]): HealthRun => ({ worst: worstOf(subjects.map((s) => s.worst)), subjects, startedAt: '2026-11-30T12:00:00.000Z', durationMs: 10 });

describe('health: the status bar item', () => {
  it('counts the worst kinds of checks, with the icon of the worst', () => {
    assert.equal(statusText(run(subject('a', ['ok', 'warning']), subject('b', ['warning'])), false).text, '$(warning) Upkeep: 2 warnings');
    assert.equal(statusText(run(subject('a', ['warning'])), false).text, '$(warning) Upkeep: 1 warning');
    assert.equal(statusText(run(subject('a', ['critical', 'warning']), subject('b', ['unknown'])), false).text, '$(error) Upkeep: 1 critical, 1 warning');
    assert.equal(statusText(run(subject('a', ['unknown'])), false).text, '$(question) Upkeep: 1 unknown');
    assert.equal(statusText(run(subject('a', ['ok'])), false).text, '$(pass) Upkeep: healthy');
    assert.equal(statusText(run(subject('a', ['ok'])), true).text, '$(sync~spin) Upkeep: healthy');
    assert.equal(statusText(undefined, true).worst, 'none');
  });

  it('the tooltip lists each problem, worst first, and not the healthy ones', () => {
    const t = statusText(run(subject('<b>one</b>', ['warning']), subject('two', ['critical']), subject('three', ['ok'])), false).tooltip.split('\n');
    assert.equal(t[1], '✖ two — T c0: reason c0');
    assert.equal(t[2], '⚠ <b>one</b> — T c0: reason c0');
    assert.ok(!t.some((l) => l.includes('three')));
  });
});

describe('health: notification on healthy → critical', () => {
  const before = run(subject('prod', ['ok'], { production: true }), subject('dev', ['ok']), subject('api', ['ok'], { endpoint: true }), subject('flaky', ['warning'], { production: true }));
  const after = run(subject('prod', ['critical'], { production: true }), subject('dev', ['critical']), subject('api', ['critical'], { endpoint: true }), subject('flaky', ['critical'], { production: true }), subject('new', ['critical'], { production: true }));
  it("'production' notifies production connections that were ok", () => {
    assert.deepEqual(wentCritical(before, after, 'production').map((s) => s.subject.name), ['prod']);
  });
  it("'all' notifies every subject that was ok; 'off' none; a first run none", () => {
    assert.deepEqual(wentCritical(before, after, 'all').map((s) => s.subject.name), ['prod', 'dev', 'api']);
    assert.deepEqual(wentCritical(before, after, 'off'), []);
    assert.deepEqual(wentCritical(undefined, after, 'all'), []);
    assert.deepEqual(wentCritical(after, after, 'all'), [], 'critical → critical is not news');
  });
  it('the mode falls back to production; the message names the first critical check', () => {
    assert.equal(notifyMode('nonsense'), 'production');
    assert.equal(notifyMode('all'), 'all');
    assert.match(criticalMessage(subject('prod', ['ok', 'critical'], { production: true })), /^Upkeep: prod went from healthy to critical — T c1: reason c1$/);
  });
});

describe('health: model, endpoints setting, panel messages', () => {
  it('worstOf and exit codes', () => {
    assert.equal(worstOf([]), 'ok');
    assert.equal(worstOf(['unknown', 'warning']), 'warning');
    assert.deepEqual((['ok', 'warning', 'critical', 'unknown'] as const).map(exitCodeOf), [0, 1, 2, 3]);
  });

  it('parseEndpoints keeps good entries and names the bad ones', () => {
    const { endpoints, problems } = parseEndpoints([
      { name: 'api', url: 'http://127.0.0.1:1/health', bodyMatches: 'ok', timeoutMs: 500 },
      { name: 'x', url: 'not a url' },
      { name: 'ftp', url: 'ftp://h/' },
      { url: 'http://h/' },
      'nonsense',
    ]);
    assert.deepEqual(endpoints, [{ name: 'api', url: 'http://127.0.0.1:1/health', bodyMatches: 'ok', timeoutMs: 500 }]);
    assert.equal(problems.length, 4);
    assert.deepEqual(parseEndpoints('x').endpoints, []);
  });

  it('page messages: only known shapes with small integer indices; links are looked up in the host\'s run', () => {
    assert.deepEqual(parseHealthMessage({ type: 'open', subject: 0, check: 1, link: 'fix', fix: 0 }), { type: 'open', subject: 0, check: 1, link: 'fix', fix: 0 });
    assert.equal(parseHealthMessage({ type: 'open', subject: 0, check: 1, link: 'fix' }), undefined);
    assert.equal(parseHealthMessage({ type: 'open', subject: -1, check: 0, link: 'explain' }), undefined);
    assert.equal(parseHealthMessage({ type: 'open', subject: 0, check: 0, link: 'explain', command: 'workbench.action.terminal.new' })?.type, 'open');
    assert.equal(parseHealthMessage({ type: 'run-command', command: 'x' }), undefined);
    const r = run(subject('a', ['warning']));
    r.subjects[0]!.checks[0]!.explain = { title: 'e', command: 'upkeep.health.openReport' };
    assert.equal(linkOf(r, { subject: 0, check: 0, link: 'explain' })?.command, 'upkeep.health.openReport');
    assert.equal(linkOf(r, { subject: 0, check: 0, link: 'fix', fix: 0 }), undefined);
    assert.equal(linkOf(r, { subject: 3, check: 0, link: 'explain' }), undefined);
  });
});
