import * as vscode from 'vscode';
import { type ConnectionProfile, usesPassword } from '../core/connections/profile';
import { type ProbeResult, probeConnection } from '../core/connections/probe';
import { CONNECTION_LEVEL, type ConnectionProblem, describeConnectionError, type ErrorDuring } from '../core/connections/errors';
import { redact } from '../core/connections/redact';
import { PostgresConnection, type CatalogLimits } from '../core/postgres/connection';
import { engineModule } from '../core/engines';
import type { EngineSession } from '../core/engine';
import type { Logger } from '../core/log';
import type { SecretStore } from './secretStore';
import type { ProfileStore } from './profileStore';

export type ConnectionStatus =
  | { state: 'unknown' }
  | { state: 'checking' }
  | { state: 'connected'; summary: string; checkedAt: number }
  | { state: 'error'; problem: ConnectionProblem; checkedAt: number };

/**
 * Live state of every profile: its last known status, and (for PostgreSQL)
 * the open catalog connection the tree browses with. A profile or password
 * change drops what was open for it.
 */
export class ConnectionService implements vscode.Disposable {
  private readonly statuses = new Map<string, ConnectionStatus>();
  private readonly sessions = new Map<string, { fingerprint: string; session: Promise<EngineSession> }>();
  private readonly inFlight = new Map<string, Promise<ProbeResult>>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with a profile id whose status changed. */
  readonly onDidChangeStatus = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly profiles: ProfileStore,
    private readonly secrets: SecretStore,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      secrets.onDidChange((id) => void this.forget(id)),
      profiles.onDidChange(() => void this.dropStale()),
    );
  }

  status(id: string): ConnectionStatus {
    return this.statuses.get(id) ?? { state: 'unknown' };
  }

  setStatus(id: string, status: ConnectionStatus): void {
    this.statuses.set(id, status);
    this.changed.fire(id);
  }

  /** Records the outcome of any real use of a connection, so the tree's icon follows reality. */
  recordSuccess(profile: ConnectionProfile, summary: string): void {
    const current = this.status(profile.id);
    if (current.state !== 'connected') this.setStatus(profile.id, { state: 'connected', summary, checkedAt: Date.now() });
  }

  /**
   * Maps a failure to a message; only a connection-level one marks the whole
   * connection as failing. `during` says what was running (a lock timeout names it).
   */
  async recordFailure(profile: ConnectionProfile, err: unknown, during?: ErrorDuring): Promise<ConnectionProblem> {
    const password = await this.secrets.getPassword(profile.id);
    const problem = describeConnectionError(profile, err, [password], during);
    this.log.warn(`${profile.name}: ${problem.message} (${redact(errorText(err), [password])})`);
    if (CONNECTION_LEVEL.has(problem.kind)) this.setStatus(profile.id, { state: 'error', problem, checkedAt: Date.now() });
    return problem;
  }

  /** Runs "Test connection" (one at a time per profile) and records the result. */
  check(profile: ConnectionProfile): Promise<ProbeResult> {
    const running = this.inFlight.get(profile.id);
    if (running) return running;
    const run = (async () => {
      this.setStatus(profile.id, { state: 'checking' });
      const password = await this.secrets.getPassword(profile.id);
      let result = await probeConnection(profile, password, this.log);
      if (!result.ok && result.problem.kind === 'auth' && password === undefined && usesPassword(profile.engine)) {
        result = { ...result, problem: { kind: 'auth', message: `${profile.name} needs a password: none is stored yet. Right-click → Set Password….` } };
      }
      this.setStatus(
        profile.id,
        result.ok ? { state: 'connected', summary: result.summary, checkedAt: Date.now() } : { state: 'error', problem: result.problem, checkedAt: Date.now() },
      );
      return result;
    })().finally(() => this.inFlight.delete(profile.id));
    this.inFlight.set(profile.id, run);
    return run;
  }

  /**
   * The engine's session for a profile (PostgreSQL: its catalog connection),
   * opened on first use by the engine module and kept until the profile or
   * its password changes. Operations and catalog reads share it.
   */
  async session(profile: ConnectionProfile): Promise<EngineSession> {
    const fingerprint = JSON.stringify(profile);
    const existing = this.sessions.get(profile.id);
    if (existing && existing.fingerprint === fingerprint) return existing.session;
    if (existing) void existing.session.then((s) => s.dispose()).catch(() => undefined);
    const engine = engineModule(profile.engine);
    if (!engine.openSession) throw new Error(`${engine.label} connections have no session to open yet.`);
    const open = engine.openSession.bind(engine);
    const session = Promise.resolve(this.secrets.getPassword(profile.id)).then((password) => open(profile, password, { catalog: catalogLimits(), log: this.log }));
    this.sessions.set(profile.id, { fingerprint, session });
    session.catch(() => this.sessions.delete(profile.id));
    return session;
  }

  /** The catalog connection for a PostgreSQL profile, opened on first use. */
  async postgres(profile: ConnectionProfile): Promise<PostgresConnection> {
    return (await this.session(profile)) as PostgresConnection;
  }

  /**
   * A separate connection for one long piece of work (a report), with its own
   * application_name so that work can be cancelled on the server without
   * touching the tree's sessions. The caller disposes it.
   */
  async postgresSession(profile: ConnectionProfile, applicationName: string, limits: CatalogLimits): Promise<PostgresConnection> {
    return new PostgresConnection(profile, await this.secrets.getPassword(profile.id), limits, this.log, applicationName);
  }

  async forget(id: string): Promise<void> {
    const existing = this.sessions.get(id);
    this.sessions.delete(id);
    this.statuses.delete(id);
    this.changed.fire(id);
    if (existing) await existing.session.then((s) => s.dispose()).catch(() => undefined);
  }

  private async dropStale(): Promise<void> {
    const current = new Map(this.profiles.all().map((s) => [s.profile.id, JSON.stringify(s.profile)]));
    for (const [id, entry] of this.sessions) {
      if (current.get(id) !== entry.fingerprint) await this.forget(id);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const { session } of this.sessions.values()) void session.then((s) => s.dispose()).catch(() => undefined);
    this.sessions.clear();
    this.changed.dispose();
  }
}

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${typeof e?.message === 'string' ? e.message : String(err)}`;
}

export function catalogLimits(): CatalogLimits {
  const c = vscode.workspace.getConfiguration('upkeep.catalog');
  return { lockTimeoutMs: c.get<number>('lockTimeoutMs', 3_000), statementTimeoutMs: c.get<number>('statementTimeoutMs', 30_000) };
}
