/**
 * The one path every maintenance action of every engine takes: refuse on a
 * read-only connection before anything is sent, show what will run and ask,
 * run it through the engine's executor with cancellable progress, then
 * report, record the history and refresh the views.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import { engineModule } from '../core/engines';
import { describeChange, highestRisk, type BatchOutcome, type Operation, type OperationOutcome } from '../core/operations/operation';
import type { HistoryStore } from '../core/history/historyStore';
import { formatBytes, formatDuration } from '../core/format';
import type { Logger } from '../core/log';
import type { ConnectionService } from '../connections/connectionService';
import type { Prompter } from './prompter';
import { UserFacingError } from '../core/errors';

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
  const lockTimeoutMs = vscode.workspace.getConfiguration('upkeep.maintenance').get<number>('lockTimeoutMs', 10_000);
  const executor = await engine.executor(await deps.connections.session(profile), { lockTimeoutMs, log: deps.log });
  const sizeText = (await executor.sizeText(req.sizeOf ?? first.target).catch(() => undefined)) ?? 'unknown';
  const risk = highestRisk(ops);
  const confirmed = await deps.prompter().confirmOperation({ connection: profile, title, ops, risk, sizeText });
  if (!confirmed) return undefined;

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
  showOutcome(deps, title, result);
  return result as BatchOutcome<Op>;
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
        message: o?.problem?.message,
      });
    } catch (err) {
      deps.log.warn(`Could not write the maintenance history: ${String(err)}`);
    }
  }
}

function showOutcome(deps: FlowDeps, title: string, result: BatchOutcome<Operation>): void {
  const done = result.outcomes.filter((o) => o.status === 'done');
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const cancelled = result.outcomes.filter((o) => o.status === 'cancelled');
  const change = (o: OperationOutcome): string => describeChange(o, formatBytes);
  for (const o of result.outcomes) {
    deps.log.info(`${o.title}: ${o.status} in ${formatDuration(o.durationMs)}${change(o) ? ` — ${change(o)}` : ''}\n  ${o.text}${o.notices.length ? `\n  ${o.notices.join('\n  ')}` : ''}${o.problem ? `\n  ${o.problem.message}` : ''}`);
  }
  const showLog = (choice: string | undefined): void => {
    if (choice === 'Show Log') void vscode.commands.executeCommand('upkeep.showLog');
  };
  if (result.outcomes.length === 1 && !result.notRun.length) {
    const o = result.outcomes[0];
    if (!o) return;
    if (o.status === 'done') {
      void vscode.window.showInformationMessage(`${title}: done in ${formatDuration(o.durationMs)}${change(o) ? ` — ${change(o)}` : ''}.`, 'Show Log').then(showLog);
    } else if (o.status === 'cancelled') {
      void vscode.window.showWarningMessage(`${title}: cancelled on the server${o.stoppedAfterMs !== undefined ? ` (stopped after ${o.stoppedAfterMs} ms)` : ''}.`, 'Show Log').then(showLog);
    } else {
      void vscode.window.showErrorMessage(`${title} failed: ${o.problem?.message ?? 'see the log'}`, 'Show Log').then(showLog);
    }
    return;
  }
  const total = result.outcomes.length + result.notRun.length;
  const parts = [`${done.length} of ${total} done`];
  if (failed.length) parts.push(`${failed.length} failed (${failed.slice(0, 3).map((o) => o.title).join('; ')}${failed.length > 3 ? '; …' : ''})`);
  if (cancelled.length || result.notRun.length) parts.push(`${cancelled.length} cancelled, ${result.notRun.length} not run`);
  const message = `${title}: ${parts.join(', ')}.`;
  const show = failed.length ? vscode.window.showErrorMessage : cancelled.length || result.notRun.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(message, 'Show Log').then(showLog);
}
