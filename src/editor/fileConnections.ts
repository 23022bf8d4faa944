/**
 * Which connection a .sql or .cypher file runs on: a first-line comment
 * `-- upkeep: connection=<name>` (`// upkeep: …` in Cypher) wins; otherwise the
 * choice made for that file (remembered in workspace state); otherwise the
 * user is asked once. A status bar item shows it and changes it.
 */
import * as vscode from 'vscode';
import { type ConnectionProfile, engineLabel } from '../core/connections/profile';
import type { ProfileStore } from '../connections/profileStore';
import { Cancelled, UserFacingError } from '../core/errors';
import { engineOf } from './statements';

const STATE_KEY = 'upkeep.fileConnections';

/** The connection name a first-line comment binds, if any. */
export function boundName(firstLine: string): string | undefined {
  const m = /^\s*(?:--|\/\/)\s*upkeep:\s*connection\s*=\s*(.+?)\s*$/i.exec(firstLine);
  return m?.[1]?.replace(/^(["'])(.*)\1$/, '$2');
}

export class FileConnections implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('upkeep.fileConnection', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly profiles: ProfileStore,
  ) {
    this.item.name = 'Upkeep: connection of this file';
    this.item.command = 'upkeep.query.pickConnection';
    this.disposables.push(
      this.item,
      this.changed,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document && e.contentChanges.some((c) => c.range.start.line === 0)) this.update();
      }),
      profiles.onDidChange(() => this.update()),
    );
    this.update();
  }

  private remembered(): Record<string, string> {
    return this.state.get<Record<string, string>>(STATE_KEY) ?? {};
  }

  /** The file's connection, or undefined when none is bound yet. Throws when the first-line comment names an unknown one. */
  current(doc: vscode.TextDocument): { profile: ConnectionProfile; source: 'comment' | 'chosen' } | undefined {
    const engine = engineOf(doc);
    if (!engine) return undefined;
    const named = doc.lineCount ? boundName(doc.lineAt(0).text) : undefined;
    const candidates = this.profiles.byEngine(engine).map((s) => s.profile);
    if (named !== undefined) {
      const p = candidates.find((c) => c.name === named);
      if (!p) throw new UserFacingError(`The first line binds this file to "${named}", but there is no ${engineLabel(engine)} connection with that name.`);
      return { profile: p, source: 'comment' };
    }
    const id = this.remembered()[doc.uri.toString()];
    const p = id ? candidates.find((c) => c.id === id) : undefined;
    return p ? { profile: p, source: 'chosen' } : undefined;
  }

  /** The file's connection, asking (once, remembered) when none is bound. */
  async resolve(doc: vscode.TextDocument): Promise<ConnectionProfile> {
    return this.current(doc)?.profile ?? this.pick(doc);
  }

  /** Asks which connection to use for this file and remembers it (unless `remember` is false: "Run on…"). */
  async pick(doc: vscode.TextDocument, remember = true): Promise<ConnectionProfile> {
    const engine = engineOf(doc);
    if (!engine) throw new UserFacingError('Upkeep runs statements of SQL (PostgreSQL) and Cypher (Neo4j) files.');
    const candidates = this.profiles.byEngine(engine).map((s) => s.profile);
    if (!candidates.length) throw new UserFacingError(`No ${engineLabel(engine)} connection yet: add one in the Upkeep view first.`);
    const picked = await vscode.window.showQuickPick(
      candidates.map((p) => ({ label: p.name, description: [p.production ? 'production' : '', p.readOnly ? 'read-only' : '', p.host ?? ''].filter(Boolean).join(' · '), profile: p })),
      { title: remember ? `Connection for ${vscode.workspace.asRelativePath(doc.uri)}` : 'Run on…', placeHolder: `${engineLabel(engine)} connection` },
    );
    if (!picked) throw new Cancelled();
    if (remember) await this.remember(doc.uri, picked.profile.id);
    return picked.profile;
  }

  async remember(uri: vscode.Uri, profileId: string): Promise<void> {
    await this.state.update(STATE_KEY, { ...this.remembered(), [uri.toString()]: profileId });
    this.changed.fire(uri);
    this.update();
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !engineOf(doc)) {
      this.item.hide();
      return;
    }
    try {
      const c = this.current(doc);
      this.item.text = c ? `$(database) ${c.profile.name}` : '$(database) No connection';
      this.item.tooltip = c
        ? `Upkeep runs this file's statements on ${c.profile.name}${c.source === 'comment' ? ' (bound by the first-line comment)' : ''}${c.profile.production ? ' — production' : ''}${c.profile.readOnly ? ' — read-only' : ''}. Click to change.`
        : 'Upkeep: choose the connection this file runs on.';
      this.item.backgroundColor = c?.profile.production ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    } catch (err) {
      this.item.text = '$(warning) Unknown connection';
      this.item.tooltip = err instanceof Error ? err.message : String(err);
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    this.item.show();
  }

  /** What the status bar shows now (tests read it). */
  statusText(): string | undefined {
    return this.item.text;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
