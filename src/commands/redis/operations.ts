/**
 * Redis's maintenance commands: each finds its target (a tree node, or asked),
 * builds its operation and hands it to the one flow (read-only refusal,
 * preview, confirmation, typed name, progress, cancel, history, refresh). The
 * extension requires this module the first time one of them runs.
 */
import * as vscode from 'vscode';
import { runOperationFlow, type FlowDeps } from '../../app/operationFlow';
import { askInput, askPick } from '../../app/questions';
import type { ProfileStore } from '../../connections/profileStore';
import type { ConnectionProfile } from '../../core/connections/profile';
import { UserFacingError } from '../../core/errors';
import type { BatchOutcome } from '../../core/operations/operation';
import type { RedisOp } from '../../core/redis/operation';
import {
  buildBgrewriteaof, buildBgsave, buildClientKill, buildDeleteKey, buildDeleteMatching, buildExpire, buildFlushAll, buildFlushDb, buildPersist, buildRename,
  keyLabel, parseTypedKey, redisFeatures, type RedisFeatures,
} from '../../core/redis/operations';
import { clientLabel, type RedisClientInfo } from '../../core/redis/clientList';
import { clientsMarkdown, listClients } from './clients';
import type { RedisOpsCommand } from './commandNames';
import { featuresOf, resolveDb, resolveKey, resolvePattern, resolveProfile, sessionOf, type RedisAsk } from './redisTarget';

export interface ExpireArgs { seconds?: number }
export interface RenameArgs { newName?: string; overwrite?: boolean }
export interface PatternArgs { pattern?: string; type?: string }
export interface KillArgs { id?: string }

export class RedisOpsCommands implements Record<RedisOpsCommand, (node?: unknown, args?: never) => Promise<unknown>> {
  private readonly ask: RedisAsk;

  constructor(private readonly flow: FlowDeps, profiles: ProfileStore) {
    this.ask = { profiles, connections: flow.connections, prompter: () => flow.prompter() };
  }

  private run(profile: ConnectionProfile, op: RedisOp): Promise<BatchOutcome<RedisOp> | undefined> {
    return runOperationFlow(this.flow, { profile, ops: [op] });
  }

  /**
   * What the server supports, for the builders. A read-only connection is not
   * asked: the flow refuses its operation before anything is sent, and this
   * read would be the one thing that was.
   */
  private async features(profile: ConnectionProfile): Promise<RedisFeatures> {
    if (profile.readOnly) return redisFeatures('0');
    return featuresOf(await sessionOf(this.flow.connections, profile));
  }

  async deleteKey(node?: unknown): Promise<BatchOutcome<RedisOp> | undefined> {
    const t = await resolveKey(node, this.ask);
    return this.run(t.profile, buildDeleteKey(t.db, t.key, await this.features(t.profile)));
  }

  async deleteMatching(node?: unknown, args: PatternArgs = {}): Promise<BatchOutcome<RedisOp> | undefined> {
    const t = await resolvePattern(node, this.ask, args);
    const settings = vscode.workspace.getConfiguration('upkeep.redis');
    const op = buildDeleteMatching(t.db, t.pattern, await this.features(t.profile), {
      scanCount: settings.get<number>('scanCount', 1000),
      batchSize: Math.max(1, settings.get<number>('deleteBatchSize', 500)),
      ...(t.type ? { type: t.type } : {}),
      ...(t.describe ? { describe: t.describe } : {}),
    });
    return this.run(t.profile, op);
  }

  async expire(node?: unknown, args: ExpireArgs = {}): Promise<BatchOutcome<RedisOp> | undefined> {
    const t = await resolveKey(node, this.ask);
    let ttl = args.seconds;
    let unit: 's' | 'ms' = 's';
    if (ttl === undefined) {
      const text = await askInput(this.ask.prompter(), {
        prompt: `Time to live of ${keyLabel(t.key)}: seconds, or milliseconds with "ms" (500ms)`,
        placeHolder: '3600',
        validate: (v) => (/^\s*[1-9]\d*\s*(ms)?\s*$/.test(v) ? undefined : 'A whole number above 0, in seconds (or "ms" after it).'),
      });
      unit = /ms\s*$/.test(text) ? 'ms' : 's';
      ttl = Number(text.replace(/ms\s*$/, '').trim());
    }
    try {
      return await this.run(t.profile, buildExpire(t.db, t.key, ttl, unit));
    } catch (err) {
      if (err instanceof RangeError) throw new UserFacingError(err.message);
      throw err;
    }
  }

  async persist(node?: unknown): Promise<BatchOutcome<RedisOp> | undefined> {
    const t = await resolveKey(node, this.ask);
    return this.run(t.profile, buildPersist(t.db, t.key));
  }

  async renameKey(node?: unknown, args: RenameArgs = {}): Promise<BatchOutcome<RedisOp> | undefined> {
    const t = await resolveKey(node, this.ask);
    const newName = args.newName ?? (await askInput(this.ask.prompter(), {
      prompt: `New name for ${keyLabel(t.key)} (plain text, or in double quotes with \\xHH for bytes)`,
      value: keyLabel(t.key, 10_000),
      validate: (v) => (v.length ? undefined : 'Type the new name.'),
    }));
    const newKey = parseTypedKey(newName);
    if (newKey.equals(t.key)) throw new UserFacingError('The new name is the key\'s own name: nothing to rename.');
    const overwrite = args.overwrite ?? (await askPick(this.ask.prompter(), {
      placeHolder: 'If a key already has that name?',
      items: [
        { label: 'Keep it: rename only if the name is free', description: 'RENAMENX', value: false },
        { label: 'Overwrite it', description: 'RENAME: the other key\'s value is lost (destructive)', value: true },
      ],
    }));
    return this.run(t.profile, buildRename(t.db, t.key, newKey, overwrite));
  }

  async flushDb(node?: unknown): Promise<BatchOutcome<RedisOp> | undefined> {
    const t = await resolveDb(node, this.ask);
    return this.run(t.profile, buildFlushDb(t.db, await this.features(t.profile)));
  }

  async flushAll(node?: unknown): Promise<BatchOutcome<RedisOp> | undefined> {
    const profile = await resolveProfile(node, this.ask);
    return this.run(profile, buildFlushAll(await this.features(profile)));
  }

  async bgsave(node?: unknown): Promise<BatchOutcome<RedisOp> | undefined> {
    return this.run(await resolveProfile(node, this.ask), buildBgsave());
  }

  async bgrewriteaof(node?: unknown): Promise<BatchOutcome<RedisOp> | undefined> {
    return this.run(await resolveProfile(node, this.ask), buildBgrewriteaof());
  }

  /** CLIENT LIST as a read-only Markdown page; Upkeep's own connections are marked. */
  async clients(node?: unknown): Promise<RedisClientInfo[]> {
    const profile = await resolveProfile(node, this.ask);
    const listed = await listClients(await sessionOf(this.flow.connections, profile));
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: clientsMarkdown(profile.name, listed) });
    await vscode.window.showTextDocument(doc, { preview: true });
    return listed.clients;
  }

  async killClient(node?: unknown, args: KillArgs = {}): Promise<BatchOutcome<RedisOp> | undefined> {
    const profile = await resolveProfile(node, this.ask);
    const listed = await listClients(await sessionOf(this.flow.connections, profile));
    const id = args.id ?? (await askPick(this.ask.prompter(), {
      placeHolder: 'Disconnect which client?',
      items: listed.clients.map((c) => ({
        label: `${c.id}  ${clientLabel(c)}`,
        description: `${c.id === listed.treeId ? 'Upkeep\'s tree connection · ' : ''}db${c.db} · ${c.cmd} · idle ${c.idle} s`,
        value: c.id,
      })),
    }));
    if (id === listed.treeId) throw new UserFacingError('That is Upkeep\'s own tree connection: refresh the view instead.');
    const client = listed.clients.find((c) => c.id === id);
    if (!client) throw new UserFacingError(`Client ${id} is no longer connected.`);
    return this.run(profile, buildClientKill(id, clientLabel(client)));
  }
}
