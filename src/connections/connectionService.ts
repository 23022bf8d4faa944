import * as vscode from 'vscode';
import { type ConnectionProfile, profileFingerprint } from '../core/connections/profile';
import { type ProbeResult, probeConnection } from '../core/connections/probe';
import { CONNECTION_LEVEL, type ConnectionProblem, describeConnectionError, type ErrorDuring, MAYBE_CONTAINER_DOWN } from '../core/connections/errors';
import { type KnownSecrets, redact } from '../core/connections/redact';
import { connectionPolicy, PasswordWithheld } from '../core/connections/credentials';
import type { CatalogLimits, PostgresConnection } from '../core/postgres/connection';
import { engineModule } from '../core/engines';
import type { EngineSession } from '../core/engine';
import type { Logger } from '../core/log';
import type { SecretStore } from './secretStore';
import type { ProfileScope, ProfileStore } from './profileStore';
import type { Credential, CredentialResolver } from './credentials';

export type ConnectionStatus =
  | { state: 'unknown' }
  | { state: 'checking' }
  /** Not checked on purpose (a workspace connection in an untrusted workspace): `reason` says why. */
  | { state: 'held'; reason: string }
  | { state: 'connected'; summary: string; checkedAt: number }
  | { state: 'error'; problem: ConnectionProblem; checkedAt: number };

/**
 * Live state of every profile: its last known status, and (for PostgreSQL)
 * the open catalog connection the tree browses with. A profile or password
 * change drops what was open for it.
 */
export class ConnectionService implements vscode.Disposable {
  private readonly statuses = new Map<string, ConnectionStatus>();
  /** The profile (as JSON) each status was found for: a status says nothing about an edited or replaced profile. */
  private readonly statusOf = new Map<string, string>();
  private readonly sessions = new Map<string, { fingerprint: string; session: Promise<EngineSession> }>();
  private readonly inFlight = new Map<string, { fingerprint: string; run: Promise<ProbeResult> }>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with a profile id whose status changed. */
  readonly onDidChangeStatus = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly profiles: ProfileStore,
    secrets: SecretStore,
    private readonly credentials: CredentialResolver,
    private readonly known: KnownSecrets,
    private readonly log: Logger,
    private readonly workspaceTrusted: () => boolean = () => vscode.workspace.isTrusted,
  ) {
    this.disposables.push(
      secrets.onDidChange((id) => void this.forget(id)),
      profiles.onDidChange(() => void this.dropStale()),
      // Held connections check themselves once the user trusts the workspace.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const [id, status] of this.statuses) if (status.state === 'held') void this.forget(id);
      }),
    );
  }

  /** Where a profile is defined; one that is not in settings (yet) counts as the workspace's, the stricter case. */
  scopeOf(profile: ConnectionProfile): ProfileScope {
    return this.profiles.get(profile.id)?.scope ?? 'workspace';
  }

  /**
   * The one way to a password for connecting: the workspace-trust rule, then
   * the resolver's binding rules. Never prompts.
   */
  private async credential(profile: ConnectionProfile): Promise<Credential> {
    const scope = this.scopeOf(profile);
    const policy = connectionPolicy(scope, this.workspaceTrusted());
    if (!policy.connect) return { kind: 'withheld', error: new PasswordWithheld(policy.reason, 'untrusted') };
    return this.credentials.resolve(profile, scope);
  }

  /**
   * The password to connect with, or the reason not to connect at all
   * (thrown): the workspace-trust rule, then the resolver. Public for work
   * that hands it to a child process of Upkeep's own (backups: a 0600
   * PGPASSFILE, REDISCLI_AUTH), never to argv or a log.
   */
  async passwordFor(profile: ConnectionProfile): Promise<string | undefined> {
    const credential = await this.credential(profile);
    if (credential.kind === 'withheld') throw credential.error;
    return credential.kind === 'password' ? credential.password : undefined;
  }

  /**
   * What a connection node asks when it is drawn: checks the connection unless
   * the workspace-trust rule says not to (then the status says why). Never
   * prompts and never sends a password to a place it does not belong to.
   */
  autoCheck(profile: ConnectionProfile, scope: ProfileScope): void {
    if (this.status(profile.id).state !== 'unknown') return;
    const policy = connectionPolicy(scope, this.workspaceTrusted());
    this.statusOf.set(profile.id, profileFingerprint(profile));
    if (!policy.connect) this.setStatus(profile.id, { state: 'held', reason: policy.reason });
    else void this.check(profile);
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
    if (current.state === 'connected') return;
    this.statusOf.set(profile.id, profileFingerprint(profile));
    this.setStatus(profile.id, { state: 'connected', summary, checkedAt: Date.now() });
  }

  /**
   * Maps a failure to a message; only a connection-level one marks the whole
   * connection as failing. `during` says what was running (a lock timeout names it).
   */
  async recordFailure(profile: ConnectionProfile, err: unknown, during?: ErrorDuring): Promise<ConnectionProblem> {
    const secrets = this.known.list();
    const described = describeConnectionError(profile, err, secrets, during);
    const problem = MAYBE_CONTAINER_DOWN.has(described.kind) ? (await this.containerProblem(profile)) ?? described : described;
    this.log.warn(`${profile.name}: ${problem.message} (${redact(errorText(err), secrets)})`);
    if (problem.kind === 'untrusted' || CONNECTION_LEVEL.has(problem.kind)) this.statusOf.set(profile.id, profileFingerprint(profile));
    if (problem.kind === 'untrusted') this.setStatus(profile.id, { state: 'held', reason: problem.message });
    else if (CONNECTION_LEVEL.has(problem.kind)) this.setStatus(profile.id, { state: 'error', problem, checkedAt: Date.now() });
    return problem;
  }

  /**
   * For a connection made from a container: when that container is not
   * running (or is gone), the problem to show instead of a network error.
   * Asks the container engine's module on its own session; any failure there
   * leaves the original problem standing.
   */
  async containerProblem(profile: ConnectionProfile): Promise<ConnectionProblem | undefined> {
    const ref = profile.container;
    if (!ref) return undefined;
    const host = this.profiles.get(ref.docker)?.profile;
    const module = host ? engineModule(host.engine) : undefined;
    if (!host || !module?.containerState) return undefined;
    try {
      const state = await module.containerState(await this.session(host), ref.id);
      if (!state) return { kind: 'container-stopped', message: `Container "${ref.name}" no longer exists on ${host.name}: the connection's server went with it.` };
      if (!state.running) return { kind: 'container-stopped', message: `Container "${ref.name}" is ${state.state} on ${host.name}: start it to connect.` };
      return undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs "Test connection" (one at a time per profile) and records the result. */
  check(profile: ConnectionProfile): Promise<ProbeResult> {
    const fingerprint = profileFingerprint(profile);
    const running = this.inFlight.get(profile.id);
    if (running && running.fingerprint === fingerprint) return running.run;
    const record = (status: ConnectionStatus): void => {
      // A profile replaced meanwhile (a workspace entry taking over the id) gets no status from this check.
      const now = this.profiles.get(profile.id)?.profile;
      if (now && profileFingerprint(now) !== fingerprint) return;
      this.statusOf.set(profile.id, fingerprint);
      this.setStatus(profile.id, status);
    };
    const run = (async (): Promise<ProbeResult> => {
      record({ state: 'checking' });
      const credential = await this.credential(profile);
      if (credential.kind === 'withheld') {
        // Nothing is sent, not even a connection attempt without the password.
        const problem = describeConnectionError(profile, credential.error);
        this.log.warn(`${profile.name}: ${problem.message}`);
        record(problem.kind === 'untrusted' ? { state: 'held', reason: problem.message } : { state: 'error', problem, checkedAt: Date.now() });
        return { ok: false, problem, durationMs: 0 };
      }
      const password = credential.kind === 'password' ? credential.password : undefined;
      let result = await probeConnection(profile, password, this.log, this.known.list());
      if (!result.ok && result.problem.kind === 'auth' && credential.kind === 'missing') {
        result = { ...result, problem: { kind: 'auth', message: credential.message } };
      }
      if (!result.ok && MAYBE_CONTAINER_DOWN.has(result.problem.kind)) {
        const stopped = await this.containerProblem(profile);
        if (stopped) result = { ...result, problem: stopped };
      }
      record(result.ok ? { state: 'connected', summary: result.summary, checkedAt: Date.now() } : { state: 'error', problem: result.problem, checkedAt: Date.now() });
      return result;
    })().finally(() => {
      if (this.inFlight.get(profile.id)?.run === run) this.inFlight.delete(profile.id);
    });
    this.inFlight.set(profile.id, { fingerprint, run });
    return run;
  }

  /**
   * The engine's session for a profile (PostgreSQL: its catalog connection),
   * opened on first use by the engine module and kept until the profile or
   * its password changes. Operations and catalog reads share it.
   */
  async session(profile: ConnectionProfile): Promise<EngineSession> {
    const fingerprint = profileFingerprint(profile);
    const existing = this.sessions.get(profile.id);
    if (existing && existing.fingerprint === fingerprint) return existing.session;
    if (existing) void existing.session.then((s) => s.dispose()).catch(() => undefined);
    const engine = engineModule(profile.engine);
    if (!engine.openSession) throw new Error(`${engine.label} connections have no session to open yet.`);
    const open = engine.openSession.bind(engine);
    const session = this.passwordFor(profile).then((password) => open(profile, password, { catalog: catalogLimits(), log: this.log }));
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
    const { PostgresConnection: Connection } = await import('../core/postgres/connection');
    return new Connection(profile, await this.passwordFor(profile), limits, this.log, applicationName);
  }

  async forget(id: string): Promise<void> {
    const existing = this.sessions.get(id);
    this.sessions.delete(id);
    this.statuses.delete(id);
    this.statusOf.delete(id);
    this.changed.fire(id);
    if (existing) await existing.session.then((s) => s.dispose()).catch(() => undefined);
  }

  private async dropStale(): Promise<void> {
    const current = new Map(this.profiles.all().map((s) => [s.profile.id, profileFingerprint(s.profile)]));
    const stale = new Set<string>();
    for (const [id, entry] of this.sessions) if (current.get(id) !== entry.fingerprint) stale.add(id);
    // A workspace profile that takes over a user profile's id must not inherit its status either.
    for (const [id, fingerprint] of this.statusOf) if (current.get(id) !== fingerprint) stale.add(id);
    for (const id of stale) await this.forget(id);
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
