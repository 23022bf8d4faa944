/**
 * The one path every maintenance action of every engine takes: refuse on a
 * read-only connection before anything is sent, show what will run and ask,
 * run it through the engine's executor with cancellable progress, then
 * report, record the history and refresh the views.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import { engineModule } from '../core/engines';
import { describeChange, highestRisk, type BatchOutcome, type FollowUp, type Operation, type OperationExecutor, type OperationOutcome, type Risk } from '../core/operations/operation';
import type { HistoryStore } from '../core/history/historyStore';
import { formatBytes, formatDuration } from '../core/format';
import type { Logger } from '../core/log';
import type { ConnectionService } from '../connections/connectionService';
import { asksFirst, showNotice, typedNameFor, type OutcomeNotice, type Prompter } from './prompter';
import { Cancelled, isCancelled, UserFacingError } from '../core/errors';

export { highestRisk };

export interface FlowDeps {
  connections: ConnectionService;
  history: HistoryStore;
  log: Logger;
  prompter(): Prompter;
  /** Re-reads the views after an operation. */
  refresh(): void;
}

export interface FlowRequest<Op extends Operation = Operation> {
  profile: ConnectionProfile;
  ops: Op[];
  /** Title for a batch ("VACUUM (ANALYZE) of 12 tables in schema public"); a single op's own title otherwise. */
  title?: string;
  /** What to measure for the preview's size line, when it is not the first op's target. */
  sizeOf?: Op['target'];
  /**
   * The batch's own risk when it is more than its operations' (VACUUM of a
   * whole schema is heavy although each table's VACUUM is safe).
   */
  risk?: Risk;
}

export async function runOperationFlow<Op extends Operation>(deps: FlowDeps, req: FlowRequest<Op>): Promise<BatchOutcome<Op> | undefined> {
  const { profile, ops } = req;
  const first = ops[0];
  if (!first) throw new UserFacingError('There is nothing to run here.');
  const title = req.title ?? first.title;
  if (profile.readOnly) {
    throw new UserFacingError(`"${profile.name}" is a read-only connection: ${title} was refused and nothing was sent to the server.`);
  }
  const engine = engineModule(profile.engine);
  if (ops.some((op) => op.engine !== profile.engine)) throw new UserFacingError(`${title} is not a ${engine.label} operation: nothing was sent.`);
  if (!engine.executor) throw new UserFacingError(`Upkeep cannot run ${engine.label} operations yet: nothing was sent.`);
  const settings = vscode.workspace.getConfiguration('upkeep.maintenance');
  const lockTimeoutMs = settings.get<number>('lockTimeoutMs', 10_000);
  const concurrentLockTimeoutMs = settings.get<number>('concurrentLockTimeoutMs', 0);
  const executor = await engine.executor(await deps.connections.session(profile), { lockTimeoutMs, concurrentLockTimeoutMs, log: deps.log });
  const risk = highestRisk(req.risk ? [...ops, { risk: req.risk }] : ops);
  // Heavy, blocking and destructive work is always previewed; safe work when the setting asks for it.
  if (asksFirst(risk, settings.get<boolean>('confirmSafeOperations', true), ops)) {
    const details = executor.inspect ? await inspect(executor.inspect.bind(executor), ops, `${title} — ${profile.name}`) : undefined;
    const sizeText = (await executor.sizeText(req.sizeOf ?? first.target).catch(() => undefined)) ?? 'unknown';
    const typeName = typedNameFor(profile, ops, risk);
    const confirmed = await deps.prompter().confirmOperation({ connection: profile, title, ops, risk, sizeText, ...(details ? { details } : {}), ...(typeName !== undefined ? { typeName } : {}) });
    if (!confirmed) return undefined;
  }

  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${title} — ${profile.name}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let step = 0;
      let reported = 0;
      const report = (message: string, overall: number | null): void => {
        const increment = overall === null ? undefined : Math.max(0, overall - reported);
        if (overall !== null) reported = Math.max(reported, overall);
        progress.report({ message, increment });
      };
      try {
        return await executor.run(ops, {
          signal: controller.signal,
          onStep: (i, n, op) => {
            step = i;
            report(n > 1 ? `${i + 1} of ${n}: ${op.title}` : 'starting…', n > 1 ? (100 * i) / n : 0);
          },
          onProgress: (p) => {
            const n = ops.length;
            const prefix = n > 1 ? `${step + 1} of ${n} · ` : '';
            const overall = p.percent === null ? null : (100 * (step + p.percent / 100)) / n;
            report(`${prefix}${p.phase}${p.percent === null ? '' : ` ${p.percent.toFixed(0)}%`}`, overall);
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );

  await recordHistory(deps, profile, ops, result);
  deps.refresh();
  showOutcome(deps, profile, title, result);
  return result as BatchOutcome<Op>;
}

/**
 * The executor's pass before the preview (counting what a pattern matches).
 * Its progress (cancellable: a cancel there runs nothing) is shown only when
 * it takes a while, so a pass with nothing to do does not flash a notification.
 */
async function inspect<Op extends Operation>(run: NonNullable<OperationExecutor<Op>['inspect']>, ops: Op[], title: string): Promise<string[] | undefined> {
  const controller = new AbortController();
  let phase = '';
  let show: ((message: string) => void) | undefined;
  const pass = run(ops, { signal: controller.signal, onProgress: (p) => { phase = p.phase; show?.(phase); } });
  const quick = await Promise.race([pass, new Promise<'slow'>((resolve) => setTimeout(() => resolve('slow'), 400))]);
  if (quick !== 'slow') return quick?.details;
  // A cancelled count runs nothing: the user stopped before seeing what it would delete.
  const found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Preview: ${title}`, cancellable: true }, async (progress, token) => {
    const sub = token.onCancellationRequested(() => controller.abort());
    show = (message) => progress.report({ message });
    if (phase) show(phase);
    try {
      return await pass;
    } finally {
      sub.dispose();
    }
  });
  if (controller.signal.aborted) throw new Cancelled();
  return found?.details;
}

async function recordHistory(deps: FlowDeps, profile: ConnectionProfile, ops: Operation[], result: BatchOutcome<Operation>): Promise<void> {
  const entries = [
    ...result.outcomes.map((o, i) => ({ o, op: ops[i] })),
    ...result.notRun.map((op) => ({ o: undefined as OperationOutcome | undefined, op })),
  ];
  for (const { o, op } of entries) {
    if (!op) continue;
    try {
      await deps.history.append({
        at: o?.startedAt ?? new Date().toISOString(),
        connectionId: profile.id,
        connectionName: profile.name,
        engine: op.engine,
        database: (op.target as { database?: string }).database,
        kind: op.kind,
        title: op.title,
        text: op.text,
        impact: op.impact,
        lock: op.lockLevel,
        risk: op.risk,
        status: o?.status ?? 'not run',
        durationMs: o?.durationMs ?? 0,
        before: o?.before,
        after: o?.after,
        message: [o?.summary, o?.problem?.message, o?.leftBehind].filter(Boolean).join(' ') || undefined,
      });
    } catch (err) {
      deps.log.warn(`Could not write the maintenance history: ${String(err)}`);
    }
  }
}

function showOutcome(deps: FlowDeps, profile: ConnectionProfile, title: string, result: BatchOutcome<Operation>): void {
  const done = result.outcomes.filter((o) => o.status === 'done');
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const cancelled = result.outcomes.filter((o) => o.status === 'cancelled');
  const change = (o: OperationOutcome): string => [o.summary, describeChange(o, formatBytes)].filter(Boolean).join(', ');
  for (const o of result.outcomes) {
    const lines = [o.text, ...o.notices, ...(o.problem ? [o.problem.message] : []), ...(o.leftBehind ? [o.leftBehind] : [])];
    deps.log.info(`${o.title}: ${o.status} in ${formatDuration(o.durationMs)}${change(o) ? ` — ${change(o)}` : ''}\n  ${lines.join('\n  ')}`);
  }
  // What failed or cancelled work left behind, and the operations that clean it up.
  const leftBehind = result.outcomes.flatMap((o) => (o.leftBehind ? [o.leftBehind] : []));
  const followUps = result.outcomes.flatMap((o) => o.followUps ?? []);
  const tail = leftBehind.length ? ` ${leftBehind.join(' ')}` : '';

  let notice: OutcomeNotice;
  if (result.outcomes.length === 1 && !result.notRun.length && result.outcomes[0]) {
    const o = result.outcomes[0];
    if (o.status === 'done') {
      notice = { severity: 'info', message: `${title}: done in ${formatDuration(o.durationMs)}${change(o) ? ` — ${change(o)}` : ''}.`, actions: [] };
    } else if (o.status === 'cancelled') {
      notice = { severity: 'warning', message: `${title}: cancelled on the server${o.stoppedAfterMs !== undefined ? ` (stopped after ${o.stoppedAfterMs} ms)` : ''}${o.summary ? ` — ${o.summary}` : ''}.${tail}`, actions: [] };
    } else {
      notice = { severity: 'error', message: `${title} failed: ${o.problem?.message ?? 'see the log'}${o.summary ? ` (${o.summary})` : ''}${tail}`, actions: [] };
    }
  } else {
    const total = result.outcomes.length + result.notRun.length;
    const parts = [`${done.length} of ${total} done`];
    if (failed.length) parts.push(`${failed.length} failed (${failed.slice(0, 3).map((o) => o.title).join('; ')}${failed.length > 3 ? '; …' : ''})`);
    if (cancelled.length || result.notRun.length) parts.push(`${cancelled.length} cancelled, ${result.notRun.length} not run`);
    notice = { severity: failed.length ? 'error' : cancelled.length || result.notRun.length ? 'warning' : 'info', message: `${title}: ${parts.join(', ')}.${tail}`, actions: [] };
  }
  // One button per clean-up when there are one or two; one for all of them otherwise.
  const offers: { label: string; ops: Operation[]; title?: string }[] = followUps.length <= 2
    ? followUps.map((f: FollowUp) => ({ label: f.label, ops: [f.op] }))
    : [{ label: `Clean up all ${followUps.length}`, ops: followUps.map((f) => f.op), title: `${followUps.length} clean-ups after ${title}` }];
  notice.actions = [...offers.map((x) => x.label), 'Show Log'];

  const prompter = deps.prompter();
  const ask = prompter.showOutcome ? prompter.showOutcome(notice) : showNotice(notice);
  void ask.then(async (choice) => {
    if (choice === 'Show Log') {
      await vscode.commands.executeCommand('upkeep.showLog');
      return;
    }
    const offer = offers.find((x) => x.label === choice);
    if (!offer) return;
    try {
      await runOperationFlow(deps, { profile, ops: offer.ops, ...(offer.title ? { title: offer.title } : {}) });
    } catch (err) {
      if (isCancelled(err)) return;
      const message = err instanceof Error ? err.message : String(err);
      deps.log.error(`${offer.label}: ${message}`);
      void vscode.window.showErrorMessage(message);
    }
  }, (err: unknown) => deps.log.warn(`Could not show the outcome of ${title}: ${String(err)}`));
}

