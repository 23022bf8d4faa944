import * as vscode from 'vscode';
import {
  type ConnectionProfile, DEFAULT_CONNECT_TIMEOUT_MS, type Engine, engineLabel, ENGINES, isEngine, newProfileId, usesPassword, validateProfile,
} from '../core/connections/profile';
import { parseConnectionUrl } from '../core/connections/url';
import type { ProbeResult } from '../core/connections/probe';
import type { ConnectionService } from '../connections/connectionService';
import type { ProfileScope, ProfileStore } from '../connections/profileStore';
import type { SecretStore } from '../connections/secretStore';
import type { CredentialResolver } from '../connections/credentials';
import { bindingOf, connectionPolicy, describeBinding, describeSource, passwordSourceOf } from '../core/connections/credentials';
import { defaultName, pickEngine, runConnectionWizard } from '../connections/wizard';
import type { ConnectionNode } from '../views/connectionNode';
import { Cancelled, UserFacingError } from '../core/errors';

/**
 * The argument form of "Add connection", for automation and tests: the same
 * path as the wizard without the prompts.
 */
export interface AddConnectionArgs {
  engine?: Engine;
  url?: string;
  profile?: Partial<ConnectionProfile>;
  password?: string;
  name?: string;
  readOnly?: boolean;
  production?: boolean;
  connectTimeoutMs?: number;
  scope?: ProfileScope;
  /** Test the connection after saving (default true; the result is returned). */
  test?: boolean;
}

export interface AddConnectionResult {
  profile: ConnectionProfile;
  scope: ProfileScope;
  test?: ProbeResult;
}

export class ConnectionCommands {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly secrets: SecretStore,
    private readonly connections: ConnectionService,
    private readonly credentials: CredentialResolver,
  ) {}

  async add(engineOrArgs?: Engine | AddConnectionArgs): Promise<AddConnectionResult> {
    if (typeof engineOrArgs === 'object') return this.addFromArgs(engineOrArgs);
    const engine = isEngine(engineOrArgs) ? engineOrArgs : await pickEngine();
    const result = await runConnectionWizard(engine);
    return this.saveAndTest(result.profile, result.scope, result.password, true);
  }

  async edit(target?: ConnectionNode | string): Promise<AddConnectionResult> {
    const stored = await this.resolve(target, 'Edit which connection?');
    const result = await runConnectionWizard(stored.profile.engine, stored);
    const saved = await this.saveAndTest(result.profile, result.scope, result.password, true);
    // The user moved their connection and kept its password: ask here, where they are, rather than on the next click.
    if (saved.test && !saved.test.ok && saved.test.problem.kind === 'password-elsewhere') {
      if (await this.confirmPasswordTarget(result.profile.id)) return { ...saved, test: await this.connections.check(result.profile) };
    }
    return saved;
  }

  async remove(target?: ConnectionNode | string, opts: { confirm?: boolean } = {}): Promise<boolean> {
    const stored = await this.resolve(target, 'Remove which connection?');
    if (opts.confirm !== false) {
      const answer = await vscode.window.showWarningMessage(
        `Remove the connection "${stored.profile.name}"? Its stored password is deleted too; the server is not touched.`,
        { modal: true },
        'Remove',
      );
      if (answer !== 'Remove') return false;
    }
    await this.profiles.remove(stored.profile.id);
    await this.secrets.deleteAll(stored.profile.id);
    await this.connections.forget(stored.profile.id);
    return true;
  }

  async test(target?: ConnectionNode | string): Promise<ProbeResult> {
    const stored = await this.resolve(target, 'Test which connection?');
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing ${stored.profile.name}…` },
      () => this.connections.check(stored.profile),
    );
    this.report(stored.profile, result);
    return result;
  }

  async setPassword(target?: ConnectionNode | string, password?: string): Promise<void> {
    const stored = await this.resolve(target, 'Set the password of which connection?');
    if (passwordSourceOf(stored.profile) !== 'secretStorage') {
      throw new UserFacingError(`“${stored.profile.name}” takes its password from ${describeSource(stored.profile)}. Edit the connection to keep a password in the editor's secret storage instead.`);
    }
    let value = password;
    if (value === undefined) {
      value = await vscode.window.showInputBox({
        title: `Password for ${stored.profile.name}`,
        // Say where it will go: a connection from a workspace's settings may point at a server the user does not know.
        prompt: `Password for ${describeBinding(bindingOf(stored.profile))}${stored.scope === 'workspace' ? ', a connection from the workspace settings' : ''} (kept in the editor's secret storage, sent only there)`,
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) throw new Cancelled();
    }
    // Typed for this connection: it may be sent to where this connection points now.
    await this.credentials.store(stored.profile, value);
    await this.connections.forget(stored.profile.id);
    void this.connections.check(stored.profile);
  }

  /**
   * "Send Password to This Server…": names the place the password was saved
   * for and the place the connection points at now, and on yes records the
   * new place. `confirm: false` (tests, automation) skips the dialog. Returns
   * whether the password may now be sent there.
   */
  async confirmPasswordTarget(target?: ConnectionNode | string, opts: { confirm?: boolean } = {}): Promise<boolean> {
    const stored = await this.resolve(target, 'Send the password of which connection?');
    const { profile, scope } = stored;
    const policy = connectionPolicy(scope, vscode.workspace.isTrusted);
    if (!policy.connect) throw new UserFacingError(policy.reason);
    const plan = await this.credentials.allowPlan(profile, scope);
    if (!plan) {
      void vscode.window.showInformationMessage(`“${profile.name}”: nothing to confirm, its password already goes to where it points.`);
      return true;
    }
    if (opts.confirm !== false) {
      const detail = [
        plan.from ? `It was saved for ${plan.from}.` : 'No server is recorded for it.',
        `“${profile.name}” now points at ${plan.to}${plan.changes.length ? ` (${plan.changes.join(', ')})` : ''}.`,
        scope === 'workspace' ? "This connection comes from the workspace's settings (.vscode/settings.json): whoever can change this folder chose that address." : '',
        'Send it only to a server you trust with this password.',
      ].filter(Boolean).join('\n\n');
      const send = 'Send Password There';
      const answer = await vscode.window.showWarningMessage(`Send ${plan.what} to ${plan.to}?`, { modal: true, detail }, send);
      if (answer !== send) return false;
    }
    await this.credentials.allow(profile);
    await this.connections.forget(profile.id);
    void this.connections.check(profile);
    return true;
  }

  private async addFromArgs(args: AddConnectionArgs): Promise<AddConnectionResult> {
    const wanted = args.profile?.engine ?? args.engine;
    const parsed = args.url ? parseConnectionUrl(args.url, process.env, isEngine(wanted) ? wanted : undefined) : undefined;
    const engine = parsed?.fields.engine ?? args.profile?.engine ?? args.engine;
    if (!isEngine(engine)) throw new UserFacingError(`Say which engine the connection is for: ${ENGINES.join(', ')}.`);
    const merged = { tls: 'disable', ...args.profile, ...parsed?.fields } as ConnectionProfile;
    const profile: ConnectionProfile = {
      ...merged,
      id: args.profile?.id ?? newProfileId(),
      engine,
      name: args.name ?? args.profile?.name ?? defaultName(merged),
      readOnly: args.readOnly ?? args.profile?.readOnly ?? false,
      production: args.production ?? args.profile?.production ?? false,
      connectTimeoutMs: args.connectTimeoutMs ?? args.profile?.connectTimeoutMs ?? merged.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
    const problems = validateProfile(profile);
    if (problems.length) throw new UserFacingError(problems.join(' '));
    return this.saveAndTest(profile, args.scope ?? 'user', args.password ?? parsed?.password, args.test ?? true);
  }

  private async saveAndTest(profile: ConnectionProfile, scope: ProfileScope, password: string | undefined, test: boolean): Promise<AddConnectionResult> {
    // Secret first: a profile that appears in the tree must find its password (bound to where it points).
    if (usesPassword(profile.engine) && password !== undefined) await this.credentials.store(profile, password);
    await this.profiles.save(profile, scope);
    await this.connections.forget(profile.id);
    if (!test) return { profile, scope };
    const result = await this.connections.check(profile);
    this.report(profile, result);
    return { profile, scope, test: result };
  }

  private report(profile: ConnectionProfile, result: ProbeResult): void {
    if (result.ok) {
      void vscode.window.showInformationMessage(`${profile.name}: connected — ${result.summary}.`);
    } else {
      const first = result.problem.kind === 'password-elsewhere' ? 'Send Password to This Server…' : result.problem.kind === 'untrusted' ? 'Manage Workspace Trust' : 'Edit Connection';
      void vscode.window.showErrorMessage(`${profile.name}: ${result.problem.message}`, first, 'Show Log').then((choice) => {
        if (choice === 'Edit Connection') void vscode.commands.executeCommand('upkeep.editConnection', profile.id);
        if (choice === 'Send Password to This Server…') void vscode.commands.executeCommand('upkeep.confirmPasswordTarget', profile.id);
        if (choice === 'Manage Workspace Trust') void vscode.commands.executeCommand('workbench.trust.manage');
        if (choice === 'Show Log') void vscode.commands.executeCommand('upkeep.showLog');
      });
    }
  }

  /** A connection from a tree node, a profile id, or a pick. */
  private async resolve(target: ConnectionNode | string | undefined, placeHolder: string): Promise<{ profile: ConnectionProfile; scope: ProfileScope }> {
    const id = typeof target === 'string' ? target : target?.profile.id;
    if (id) {
      const stored = this.profiles.get(id);
      if (!stored) throw new UserFacingError('That connection no longer exists in settings.');
      return stored;
    }
    const all = this.profiles.all();
    if (!all.length) throw new UserFacingError('There are no Upkeep connections yet: add one first.');
    const picked = await vscode.window.showQuickPick(
      all.map((s) => ({ label: s.profile.name, description: `${engineLabel(s.profile.engine)} · ${s.scope}`, stored: s })),
      { placeHolder },
    );
    if (!picked) throw new Cancelled();
    return picked.stored;
  }
}
