/**
 * The one path every PostgreSQL maintenance action takes: refuse on a
 * read-only connection, show what will run and ask, run with cancellable
 * progress, then report, record the history and refresh the tree.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import type { MaintenanceOp, Risk } from '../core/postgres/maintenance';
import { measureTarget } from '../core/postgres/measure';
import { runMaintenanceBatch, type BatchOutcome, type OpOutcome } from '../core/postgres/runner';
import type { HistoryStore } from '../core/history/historyStore';
import { formatBytes, formatDuration } from '../core/format';
import type { Logger } from '../core/log';
import type { ConnectionService } from '../connections/connectionService';
import type { Prompter } from './prompter';
import { UserFacingError } from '../core/errors';

export interface FlowDeps {
  connections: ConnectionService;
  history: HistoryStore;
  log: Logger;
  prompter(): Prompter;
  /** Re-reads these tree nodes (or the whole view when empty). */
  refresh(): void;
}

export interface FlowRequest {
  profile: ConnectionProfile;
  ops: MaintenanceOp[];
  /** Title for a batch ("VACUUM (ANALYZE) of 12 tables in schema public"); a single op's own title otherwise. */
  title?: string;
  /** What to measure for the preview's size line, when it is not the single op's target. */
  sizeOf?: MaintenanceOp['target'];
}

const RISK_ORDER: Risk[] = ['safe', 'blocking', 'destructive'];

export function highestRisk(ops: MaintenanceOp[]): Risk {
  return ops.reduce<Risk>((worst, op) => (RISK_ORDER.indexOf(op.risk) > RISK_ORDER.indexOf(worst) ? op.risk : worst), 'safe');
}

export async function runMaintenanceFlow(deps: FlowDeps, req: FlowRequest): Promise<BatchOutcome | undefined> {
  const { profile, ops } = req;
  const first = ops[0];
  if (!first) throw new UserFacingError('There is nothing to run here.');
  const title = req.title ?? first.title;
  if (profile.readOnly) {
    throw new UserFacingError(`"${profile.name}" is a read-only connection: ${title} was refused and nothing was sent to the server.`);
  }
  const conn = await deps.connections.postgres(profile);
  const stats = await measureTarget(conn, req.sizeOf ?? first.target).catch(() => undefined);
  const sizeText = stats?.sizeBytes != null ? formatBytes(stats.sizeBytes) : 'unknown';
  const risk = highestRisk(ops);
  const confirmed = await deps.prompter().confirmOperation({ connection: profile, title, ops, risk, sizeText });
  if (!confirmed) return undefined;

  const lockTimeoutMs = vscode.workspace.getConfiguration('upkeep.maintenance').get<number>('lockTimeoutMs', 10_000);
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
        return await runMaintenanceBatch(conn, ops, {
          signal: controller.signal,
          lockTimeoutMs,
          log: deps.log,
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
  return result;
}

async function recordHistory(deps: FlowDeps, profile: ConnectionProfile, ops: MaintenanceOp[], result: BatchOutcome): Promise<void> {
  const entries = [
    ...result.outcomes.map((o, i) => ({ o, op: ops[i] })),
    ...result.notRun.map((op) => ({ o: undefined as OpOutcome | undefined, op })),
  ];
  for (const { o, op } of entries) {
    if (!op) continue;
    try {
      await deps.history.append({
        at: o?.startedAt ?? new Date().toISOString(),
        connectionId: profile.id,
        connectionName: profile.name,
        database: op.target.database,
        kind: op.kind,
        title: op.title,
        sql: op.sql,
        lock: op.lock.level,
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

/** "size 8.0 MB → 4.1 MB, dead tuples 10,000 → 0" */
export function describeChange(o: OpOutcome): string {
  const parts: string[] = [];
  if (o.before?.sizeBytes != null && o.after?.sizeBytes != null) parts.push(`size ${formatBytes(o.before.sizeBytes)} → ${formatBytes(o.after.sizeBytes)}`);
  if (o.before?.deadTuples != null && o.after?.deadTuples != null) parts.push(`dead tuples ${o.before.deadTuples.toLocaleString('en-US')} → ${o.after.deadTuples.toLocaleString('en-US')}`);
  return parts.join(', ');
}

function showOutcome(deps: FlowDeps, title: string, result: BatchOutcome): void {
  const done = result.outcomes.filter((o) => o.status === 'done');
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const cancelled = result.outcomes.filter((o) => o.status === 'cancelled');
  for (const o of result.outcomes) {
    deps.log.info(`${o.title}: ${o.status} in ${formatDuration(o.durationMs)}${describeChange(o) ? ` — ${describeChange(o)}` : ''}\n  ${o.sql}${o.notices.length ? `\n  ${o.notices.join('\n  ')}` : ''}${o.problem ? `\n  ${o.problem.message}` : ''}`);
  }
  const showLog = (choice: string | undefined): void => {
    if (choice === 'Show Log') void vscode.commands.executeCommand('upkeep.showLog');
  };
  if (result.outcomes.length === 1 && !result.notRun.length) {
    const o = result.outcomes[0];
    if (!o) return;
    if (o.status === 'done') {
      const change = describeChange(o);
      void vscode.window.showInformationMessage(`${title}: done in ${formatDuration(o.durationMs)}${change ? ` — ${change}` : ''}.`, 'Show Log').then(showLog);
    } else if (o.status === 'cancelled') {
      void vscode.window.showWarningMessage(`${title}: cancelled on the server${o.stoppedAfterMs !== undefined ? ` (backend stopped after ${o.stoppedAfterMs} ms)` : ''}.`, 'Show Log').then(showLog);
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
