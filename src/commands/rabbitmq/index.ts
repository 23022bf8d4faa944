/**
 * RabbitMQ's commands: purge, delete a queue, close a connection, peek at
 * messages, policies, and the definitions import — each an Operation (an API
 * request) through the shared flow — plus the definitions export (a read,
 * allowed on read-only connections). Required the first time one runs.
 */
import * as vscode from 'vscode';
import { runOperationFlow, type FlowDeps } from '../../app/operationFlow';
import { askInput, askPick } from '../../app/questions';
import type { ProfileStore } from '../../connections/profileStore';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { BatchOutcome } from '../../core/operations/operation';
import { buildCloseConnection, buildDeleteQueue, buildPeek, buildPolicyDelete, buildPolicySet, PEEK_MAX, type PolicyInput, type RabbitOp } from '../../core/rabbitmq/operation';
import { peekText, type PeekedMessage } from '../../core/rabbitmq/peek';
import { readPolicies } from '../../core/rabbitmq/resources';
import { buildPurge } from '../../core/rabbitmq/operation';
import { UserFacingError } from '../../core/errors';
import { apiOf, policyOf, resolveClientConnection, resolveProfile, resolveQueue, type RabbitAsk, type TargetArgs } from './targets';
import { DefinitionsCommands, type ExportArgs, type ImportArgs } from './definitions';

export type { ExportArgs, ImportArgs, TargetArgs };
export interface DeleteArgs extends TargetArgs { ifEmpty?: boolean; ifUnused?: boolean }
export interface CloseArgs extends TargetArgs { reason?: string }
export interface PeekArgs extends TargetArgs { count?: number }
export type PolicyArgs = Partial<PolicyInput> & TargetArgs;

/** Where peeked messages open: a read-only document per peek. */
export const PEEK_SCHEME = 'upkeep-rabbitmq-peek';

export class RabbitCommands implements vscode.Disposable {
  private readonly ask: RabbitAsk;
  readonly definitions: DefinitionsCommands;
  private readonly peeks = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private seq = 0;

  constructor(private readonly flow: FlowDeps, profiles: ProfileStore) {
    this.ask = { profiles, connections: flow.connections, prompter: () => flow.prompter() };
    this.definitions = new DefinitionsCommands(flow, this.ask);
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PEEK_SCHEME, { provideTextDocumentContent: (uri) => this.peeks.get(uri.toString()) ?? 'This peek is no longer kept: peek again.' });
  }

  dispose(): void {
    this.registration.dispose();
    this.peeks.clear();
  }

  private run(profile: ConnectionProfile, op: RabbitOp): Promise<BatchOutcome<RabbitOp> | undefined> {
    return runOperationFlow(this.flow, { profile, ops: [op] });
  }

  async purge(node?: unknown, args: TargetArgs = {}): Promise<BatchOutcome<RabbitOp> | undefined> {
    const t = await resolveQueue(node, this.ask, args);
    return this.run(t.profile, buildPurge(t.queue));
  }

  async deleteQueue(node?: unknown, args: DeleteArgs = {}): Promise<BatchOutcome<RabbitOp> | undefined> {
    const t = await resolveQueue(node, this.ask, args);
    let ifEmpty = args.ifEmpty;
    let ifUnused = args.ifUnused;
    if (ifEmpty === undefined || ifUnused === undefined) {
      const choice = await askPick(this.flow.prompter(), {
        placeHolder: `Delete queue ${t.queue.name}: under which conditions?`,
        items: [
          { label: 'Only if empty and unused', description: '?if-empty=true&if-unused=true — the server refuses otherwise', value: [true, true] as const },
          { label: 'Only if empty', description: '?if-empty=true', value: [true, false] as const },
          { label: 'Only if it has no consumers', description: '?if-unused=true', value: [false, true] as const },
          { label: 'Unconditionally', description: 'its messages are lost', value: [false, false] as const },
        ],
      });
      [ifEmpty, ifUnused] = choice;
    }
    return this.run(t.profile, buildDeleteQueue(t.queue, { ifEmpty, ifUnused }));
  }

  async closeConnection(node?: unknown, args: CloseArgs = {}): Promise<BatchOutcome<RabbitOp> | undefined> {
    const t = await resolveClientConnection(node, this.ask, args);
    const reason = args.reason ?? (await askInput(this.flow.prompter(), { prompt: 'Reason sent to the client (X-Reason)', value: 'Closed from Upkeep' }));
    const c = t.connection;
    return this.run(t.profile, buildCloseConnection({ name: c.name, ...(c.user ? { user: c.user } : {}), ...(c.client ? { client: c.client } : {}), ...(c.channels !== undefined ? { channels: c.channels } : {}) }, reason));
  }

  /** Peeks through the flow, then opens the messages as a read-only document. */
  async peek(node?: unknown, args: PeekArgs = {}): Promise<{ outcome: BatchOutcome<RabbitOp> | undefined; uri?: vscode.Uri; messages?: PeekedMessage[] }> {
    const t = await resolveQueue(node, this.ask, args);
    const count = args.count ?? Number(await askInput(this.flow.prompter(), {
      prompt: `How many messages of ${t.queue.name} to read (1–${PEEK_MAX}); they are requeued at once`,
      value: '10',
      validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= PEEK_MAX ? undefined : `A whole number from 1 to ${PEEK_MAX}.`),
    }));
    const outcome = await this.run(t.profile, buildPeek(t.queue, count));
    const done = outcome?.outcomes[0];
    if (done?.status !== 'done') return { outcome };
    const messages = (done.details as { messages?: PeekedMessage[] } | undefined)?.messages ?? [];
    const uri = vscode.Uri.from({ scheme: PEEK_SCHEME, path: `/${encodeURIComponent(t.queue.name)}.txt`, query: `n=${++this.seq}` });
    this.peeks.set(uri.toString(), peekText(t.queue.name, t.queue.vhost, messages));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    return { outcome, uri, messages };
  }

  /** Adds a policy (from the Policies group, or anywhere) or changes one (from its node: the fields start from it). */
  async setPolicy(node?: unknown, args: PolicyArgs = {}): Promise<BatchOutcome<RabbitOp> | undefined> {
    const existing = policyOf(node);
    const profile = existing?.profile ?? (await resolveProfile(node, this.ask, args));
    const p = existing?.policy;
    const prompter = this.flow.prompter();
    const vhost = args.vhost ?? p?.vhost ?? (await askInput(prompter, { prompt: 'Virtual host of the policy', value: '/' }));
    const name = args.name ?? p?.name ?? (await askInput(prompter, { prompt: 'Policy name', validate: (v) => (v.trim() ? undefined : 'Give the policy a name.') }));
    const pattern = args.pattern ?? (await askInput(prompter, { prompt: 'Pattern (a regular expression over queue/exchange names; ^ anchors it)', value: p?.pattern ?? '^' }));
    const applyTo = args.applyTo ?? (await askPick(prompter, {
      placeHolder: 'Apply to',
      items: (['queues', 'exchanges', 'all', 'classic_queues', 'quorum_queues', 'streams'] as const).map((x) => ({ label: x, value: x, ...(p?.applyTo === x ? { description: 'now' } : {}) })),
    }));
    const priority = args.priority ?? Number(await askInput(prompter, { prompt: 'Priority (the highest matching policy wins)', value: String(p?.priority ?? 0), validate: (v) => (/^-?\d+$/.test(v.trim()) ? undefined : 'A whole number.') }));
    const definition = args.definition ?? parseDefinition(await askInput(prompter, {
      prompt: 'Definition as JSON ({"max-length": 10000, "overflow": "reject-publish"})',
      value: JSON.stringify(p?.definition ?? {}),
      validate: (v) => definitionProblem(v),
    }));
    let exists = p !== undefined && p.vhost === vhost && p.name === name;
    if (!exists && !profile.readOnly) exists = (await readPolicies(await apiOf(this.ask.connections, profile), vhost).catch(() => [])).some((x) => x.name === name);
    return this.run(profile, buildPolicySet({ vhost, name, pattern, applyTo, priority, definition }, exists));
  }

  async deletePolicy(node?: unknown, args: TargetArgs & { name?: string } = {}): Promise<BatchOutcome<RabbitOp> | undefined> {
    const existing = policyOf(node);
    if (existing) return this.run(existing.profile, buildPolicyDelete(existing.policy.vhost, existing.policy.name));
    const profile = await resolveProfile(node, this.ask, args);
    if (args.vhost !== undefined && args.name !== undefined) return this.run(profile, buildPolicyDelete(args.vhost, args.name));
    const policies = await readPolicies(await apiOf(this.ask.connections, profile));
    const p = await askPick(this.flow.prompter(), { placeHolder: 'Which policy?', items: policies.map((x) => ({ label: x.name, description: `vhost ${x.vhost} · /${x.pattern}/`, value: x })) });
    return this.run(profile, buildPolicyDelete(p.vhost, p.name));
  }
}

function definitionProblem(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length ? undefined : 'A JSON object with at least one key.';
  } catch {
    return 'Not JSON: write it as {"key": value}.';
  }
}

function parseDefinition(text: string): Record<string, unknown> {
  const problem = definitionProblem(text);
  if (problem) throw new UserFacingError(problem);
  return JSON.parse(text) as Record<string, unknown>;
}
