/**
 * A key's value in a read-only editor tab: a virtual document of the
 * `upkeep-redis-value` scheme whose text is built a page at a time (the
 * ValueReader in core); "Load More" appends the next page. Its state lives
 * while the document is open.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { keyFacts, type KeyFacts } from '../../core/redis/keyspace';
import { ValueReader } from '../../core/redis/values';
import { pageText, progressLine, stringKind, valueHeader, type StringKind } from '../../core/redis/valueText';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { dbClient } from './clients';
import { labelOf } from './keyNodes';
import { REDIS_VALUE_SCHEME } from './scheme';
import { redisSettings } from './settings';

/** The document of one key: `upkeep-redis-value:/<connection>/db<N>/<key>?c=<profile id>&db=<N>&k=<hex>`. */
export function valueUri(profile: ConnectionProfile, db: number, key: Buffer): vscode.Uri {
  const safe = (s: string): string => s.replace(/[/\\?#%]/g, '_');
  const query = new URLSearchParams({ c: profile.id, db: String(db), k: key.toString('hex') }).toString();
  return vscode.Uri.from({ scheme: REDIS_VALUE_SCHEME, path: `/${safe(profile.name)}/db${db}/${safe(labelOf(key, 80))}`, query });
}

function parseUri(uri: vscode.Uri): { profileId: string; db: number; key: Buffer } {
  const q = new URLSearchParams(uri.query);
  return { profileId: q.get('c') ?? '', db: Number(q.get('db') ?? 0), key: Buffer.from(q.get('k') ?? '', 'hex') };
}

interface DocState {
  facts: KeyFacts | undefined;
  db: number;
  reader: ValueReader | undefined;
  kind: StringKind;
  parts: string[];
  /** Set when reading failed: shown instead of the pages. */
  problem?: string;
}

export class ValueDocuments implements vscode.Disposable {
  private readonly docs = new Map<string, Promise<DocState>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: { connections: ConnectionService; profiles: ProfileStore; changed: vscode.EventEmitter<vscode.Uri> }) {
    this.disposables.push(vscode.workspace.onDidCloseTextDocument((d) => void this.docs.delete(d.uri.toString())));
  }

  /** The document's text (the provider's answer). */
  async provide(uri: vscode.Uri): Promise<string> {
    return render(await this.state(uri));
  }

  /** Reads the first page if not read yet; says whether the value is JSON (the tab then gets JSON colouring). */
  async prepare(uri: vscode.Uri): Promise<{ json: boolean }> {
    const state = await this.state(uri);
    return { json: state.kind === 'json' };
  }

  /** Appends the next page and tells the editor the document changed. */
  async loadMore(uri: vscode.Uri): Promise<boolean> {
    const state = await this.state(uri);
    const reader = state.reader;
    if (!reader || reader.done) return false;
    try {
      state.parts.push(pageText(await reader.next(), state.kind));
    } catch (err) {
      state.problem = (await this.deps.connections.recordFailure(this.profileOf(uri) ?? unknownProfile(uri), err)).message;
    }
    this.deps.changed.fire(uri);
    return true;
  }

  private state(uri: vscode.Uri): Promise<DocState> {
    const id = uri.toString();
    let state = this.docs.get(id);
    if (!state) {
      state = this.open(uri);
      this.docs.set(id, state);
    }
    return state;
  }

  private profileOf(uri: vscode.Uri): ConnectionProfile | undefined {
    return this.deps.profiles.get(parseUri(uri).profileId)?.profile;
  }

  private async open(uri: vscode.Uri): Promise<DocState> {
    const { db, key } = parseUri(uri);
    const state: DocState = { facts: undefined, db, reader: undefined, kind: 'text', parts: [] };
    const profile = this.profileOf(uri);
    if (!profile) return { ...state, problem: 'The connection of this value no longer exists.' };
    try {
      const settings = redisSettings();
      const client = await dbClient(this.deps.connections, profile, db);
      const [facts] = await keyFacts(client, [key], settings.memorySamples, { encoding: true });
      state.facts = facts;
      if (!facts || facts.type === 'none') return { ...state, problem: 'The key no longer exists.' };
      state.reader = new ValueReader(client, key, facts.type, { pageSize: settings.valuePageSize, stringBytes: settings.valueStringBytes });
      const page = await state.reader.next();
      if (page.type === 'string') state.kind = stringKind(page.bytes, page.offset + page.bytes.length >= page.total);
      state.parts.push(pageText(page, state.kind));
    } catch (err) {
      state.problem = (await this.deps.connections.recordFailure(profile, err)).message;
    }
    return state;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.docs.clear();
  }
}

function unknownProfile(uri: vscode.Uri): ConnectionProfile {
  return { id: parseUri(uri).profileId, engine: 'redis', name: 'Redis', tls: 'disable', readOnly: true, production: false, connectTimeoutMs: 5_000 };
}

function render(state: DocState): string {
  const comment = state.kind === 'json' ? '//' : '#';
  const head = state.facts && state.facts.type !== 'none' ? `${valueHeader(state.facts, state.db, comment)}\n\n` : '';
  const body = state.parts.join('\n');
  const reader = state.reader;
  const tail = reader && state.facts ? `\n\n${progressLine(state.facts.type, reader.shown, state.facts.length, reader.done, comment)}\n` : '\n';
  const problem = state.problem ? `\n${comment} ${state.problem.replace(/\n/g, ' ')}\n` : '';
  return `${head}${body}${tail}${problem}`;
}
