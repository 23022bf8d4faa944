/**
 * One health run over many connections and endpoints: each subject gets its
 * own time limit (a hanging server marks itself 'unknown', it does not hold
 * the others; one that is down — nothing listening — is critical), a few run
 * at once, and nothing here knows an engine by name —
 * each engine's module gives its checks through the `health` hook; a module
 * without one is checked for being reachable only. The editor (status bar,
 * Health panel) and the CLI both call `runHealth`.
 */
import type { ConnectionProfile } from '../connections/profile';
import { describeConnectionError, type ProblemKind } from '../connections/errors';
import { engineModule } from '../engines';
import type { EngineSession, SettingsReader } from '../engine';
import type { Logger } from '../log';
import type { HealthCheck, HealthEndpoint, HealthRun, HealthSubject, SubjectHealth } from './model';

import { worstOf } from './model';

/** Connection problems that mean the server is down (nothing listening, its container stopped, the link dropped): critical, not "could not check". */
const SERVER_DOWN: ReadonlySet<ProblemKind> = new Set<ProblemKind>(['unreachable', 'container-stopped', 'connection-lost']);

export interface HealthRunDeps {
  settings: SettingsReader;
  /** The password of a profile from wherever it is kept (editor: the connection service; CLI: environment, pgpass). Throws with a message when it cannot be had. */
  passwordFor(profile: ConnectionProfile): Promise<string | undefined>;
  /**
   * A session for the profile. The editor passes its own (kept open, not
   * disposed here: `release` is a no-op); by default the engine module opens
   * one and the run disposes it.
   */
  openSession?(profile: ConnectionProfile, password: string | undefined): Promise<{ session: EngineSession; release(): Promise<void>; summary?: string }>;
  /** The backup folder of a profile, for the last-backup check. */
  backupFolder?(profile: ConnectionProfile): string | undefined;
  /** Checks an endpoint (tests and the CLI use the default: fetch with a time limit). */
  checkEndpoint?(endpoint: HealthEndpoint, signal: AbortSignal): Promise<HealthCheck[]>;
  log?: Logger;
  /** Each subject's time limit (default 10 s). */
  timeoutMs?: number;
  /** How many subjects at once (default 4). */
  concurrency?: number;
  /** Stops the whole run. */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 4;

function subjectOf(profile: ConnectionProfile): HealthSubject {
  return { kind: 'connection', id: profile.id, name: profile.name, engine: profile.engine, production: profile.production === true };
}

/** Resolves with `work`'s result, or rejects when `ms` passes or `signal` aborts (aborting `inner` so the work stops on the server). */
async function limited<T>(ms: number, outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const inner = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => inner.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([
      work(inner.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // Rejected before aborting: the abort listener below would otherwise win with "stopped".
          reject(new Error(`no answer within ${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`));
          inner.abort();
        }, ms);
        inner.signal.addEventListener('abort', () => reject(new Error('the health run was stopped')), { once: true });
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

async function checkConnection(profile: ConnectionProfile, deps: HealthRunDeps, timeoutMs: number): Promise<SubjectHealth> {
  const t0 = Date.now();
  const engine = engineModule(profile.engine);
  let released: (() => Promise<void>) | undefined;
  let password: string | undefined;
  let checks: HealthCheck[];
  // A session that opens after the time is up (a server that answered late) is released at once, not leaked.
  let over = false;
  const hold = (release: () => Promise<void>): void => {
    if (over) void release().catch(() => undefined);
    else released = release;
  };
  try {
    checks = await limited(timeoutMs, deps.signal, async (signal) => {
      password = await deps.passwordFor(profile);
      let session: EngineSession;
      let summary: string | undefined;
      if (deps.openSession) {
        const opened = await deps.openSession(profile, password);
        session = opened.session;
        summary = opened.summary;
        hold(() => opened.release());
      } else if (!engine.openSession) {
        // An engine without sessions: reachable means its probe answers.
        return [{ id: 'reachable', title: 'Reachable', severity: 'ok', reason: await engine.probe(profile, password) }];
      } else {
        const opened = await engine.openSession(profile, password, deps.log ? { log: deps.log } : {});
        session = opened;
        hold(() => opened.dispose());
      }
      // Some engines' sessions connect only at their first query: the probe (connect, authenticate, read the version) is what proves the server reachable.
      summary ??= await engine.probe(profile, password);
      if (signal.aborted) throw new Error('the health run was stopped');
      const reachable: HealthCheck = { id: 'reachable', title: 'Reachable', severity: 'ok', reason: summary };
      if (!engine.health) return [reachable];
      const health = await engine.health();
      const folder = deps.backupFolder?.(profile);
      const own = await health.check({ session, profile, signal, settings: deps.settings, ...(folder ? { backupFolder: folder } : {}), ...(deps.log ? { log: deps.log } : {}) });
      return own.some((c) => c.id === 'reachable') ? own : [reachable, ...own];
    });
  } catch (err) {
    const problem = describeConnectionError(profile, err, [password]);
    // A server that is down is the worst news a health check gives; one that could not be asked (no password, a hang) is unknown.
    checks = [{ id: 'reachable', title: 'Reachable', severity: SERVER_DOWN.has(problem.kind) ? 'critical' : 'unknown', reason: problem.message }];
  } finally {
    over = true;
    if (released) await released().catch(() => undefined);
  }
  return { subject: subjectOf(profile), worst: worstOf(checks.map((c) => c.severity)), checks, checkedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0 };
}

/** GET the endpoint: healthy on 2xx (and a matching body when asked); unreachable or timed out is critical, as the guide's script exits 1 for it. */
export async function checkEndpointByFetch(endpoint: HealthEndpoint, signal: AbortSignal): Promise<HealthCheck[]> {
  try {
    const res = await fetch(endpoint.url, { signal, redirect: 'follow' });
    const body = endpoint.bodyMatches ? await res.text() : '';
    if (!res.ok) return [{ id: 'http-status', title: 'HTTP status', severity: 'critical', reason: `HTTP ${res.status} ${res.statusText}`.trim() }];
    const checks: HealthCheck[] = [{ id: 'http-status', title: 'HTTP status', severity: 'ok', reason: `HTTP ${res.status}` }];
    if (endpoint.bodyMatches) {
      let re: RegExp;
      try {
        re = new RegExp(endpoint.bodyMatches);
      } catch {
        return [...checks, { id: 'http-body', title: 'Response body', severity: 'unknown', reason: `bodyMatches is not a valid regular expression: ${endpoint.bodyMatches}` }];
      }
      const ok = re.test(body);
      checks.push({ id: 'http-body', title: 'Response body', severity: ok ? 'ok' : 'critical', reason: ok ? `matches /${endpoint.bodyMatches}/` : `does not match /${endpoint.bodyMatches}/` });
    }
    return checks;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return [{ id: 'http-status', title: 'HTTP status', severity: 'critical', reason: `no answer: ${why}` }];
  }
}

async function checkEndpoint(endpoint: HealthEndpoint, deps: HealthRunDeps, timeoutMs: number): Promise<SubjectHealth> {
  const t0 = Date.now();
  let checks: HealthCheck[];
  try {
    checks = await limited(endpoint.timeoutMs ?? timeoutMs, deps.signal, (signal) => (deps.checkEndpoint ?? checkEndpointByFetch)(endpoint, signal));
  } catch (err) {
    checks = [{ id: 'http-status', title: 'HTTP status', severity: 'critical', reason: err instanceof Error ? err.message : String(err) }];
  }
  return { subject: { kind: 'endpoint', name: endpoint.name, url: endpoint.url }, worst: worstOf(checks.map((c) => c.severity)), checks, checkedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0 };
}

/** Checks every profile and endpoint, a few at once, each within its own time; the result keeps the input order. */
export async function runHealth(profiles: readonly ConnectionProfile[], endpoints: readonly HealthEndpoint[], deps: HealthRunDeps): Promise<HealthRun> {
  const t0 = Date.now();
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const jobs: (() => Promise<SubjectHealth>)[] = [
    ...profiles.map((p) => () => checkConnection(p, deps, timeoutMs)),
    ...endpoints.map((e) => () => checkEndpoint(e, deps, timeoutMs)),
  ];
  const results: SubjectHealth[] = new Array<SubjectHealth>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? DEFAULT_CONCURRENCY, jobs.length) }, worker));
  return { worst: worstOf(results.map((r) => r.worst)), subjects: results, startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0 };
}
