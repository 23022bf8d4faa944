import * as vscode from 'vscode';
import { type ConnectionProfile, type Engine, normalizeProfile, stripUndefined } from '../core/connections/profile';
import type { Logger } from '../core/log';

export type ProfileScope = 'user' | 'workspace';

export interface StoredProfile {
  profile: ConnectionProfile;
  scope: ProfileScope;
}

const SECTION = 'upkeep';
const KEY = 'connections';

/**
 * Profiles in the `upkeep.connections` setting. User and workspace lists are
 * read separately (a workspace list does not hide the user's), so a team can
 * share connections in .vscode/settings.json and each person keep their own.
 */
export class ProfileStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly reported = new Set<string>();

  constructor(private readonly log: Logger) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.${KEY}`)) this.changed.fire();
    });
  }

  all(): StoredProfile[] {
    const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>(KEY);
    const out: StoredProfile[] = [];
    const seen = new Set<string>();
    const take = (list: unknown, scope: ProfileScope): void => {
      if (!Array.isArray(list)) return;
      for (const raw of list) {
        const { profile, problems } = normalizeProfile(raw);
        if (!profile) {
          const key = JSON.stringify(raw);
          if (!this.reported.has(key)) {
            this.reported.add(key);
            this.log.warn(`Ignoring a connection in ${scope} settings: ${problems.join(' ')}`);
          }
          continue;
        }
        if (seen.has(profile.id)) continue;
        seen.add(profile.id);
        out.push({ profile, scope });
      }
    };
    take(inspected?.workspaceValue, 'workspace');
    take(inspected?.globalValue, 'user');
    return out;
  }

  byEngine(engine: Engine): StoredProfile[] {
    return this.all().filter((s) => s.profile.engine === engine);
  }

  get(id: string): StoredProfile | undefined {
    return this.all().find((s) => s.profile.id === id);
  }

  /**
   * The profile with this id in one scope, even when the other scope's
   * profile with the same id is the one shown (a workspace entry hides the
   * user's). Credentials ask for the user's own profile by this.
   */
  inScope(id: string, scope: ProfileScope): ConnectionProfile | undefined {
    return this.listScope(scope).find((p) => p.id === id);
  }

  /** The usable profiles of one scope, hidden or not. */
  listScope(scope: ProfileScope): ConnectionProfile[] {
    return this.rawList(scope).flatMap((raw) => normalizeProfile(raw).profile ?? []);
  }

  /** Adds or replaces (by id) a profile in the given scope; removes it from the other scope if it moved. */
  async save(profile: ConnectionProfile, scope: ProfileScope): Promise<void> {
    if (scope === 'workspace' && !vscode.workspace.workspaceFolders?.length) {
      throw new Error('Open a folder to save a connection in workspace settings.');
    }
    const clean = stripUndefined({ ...profile });
    const current = this.rawList(scope).filter((p) => idOf(p) !== profile.id);
    await this.write(scope, [...current, clean]);
    const other: ProfileScope = scope === 'user' ? 'workspace' : 'user';
    if (this.rawList(other).some((p) => idOf(p) === profile.id)) {
      await this.write(other, this.rawList(other).filter((p) => idOf(p) !== profile.id));
    }
  }

  async remove(id: string): Promise<void> {
    for (const scope of ['user', 'workspace'] as const) {
      const list = this.rawList(scope);
      if (list.some((p) => idOf(p) === id)) await this.write(scope, list.filter((p) => idOf(p) !== id));
    }
  }

  private rawList(scope: ProfileScope): unknown[] {
    const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>(KEY);
    const value = scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue;
    return Array.isArray(value) ? [...value] : [];
  }

  private async write(scope: ProfileScope, list: unknown[]): Promise<void> {
    const target = scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
    await vscode.workspace.getConfiguration(SECTION).update(KEY, list.length ? list : undefined, target);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function idOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
}
