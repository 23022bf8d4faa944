/**
 * `upkeep run <operation> --connection NAME`: one of the guides' scheduled
 * maintenance operations (runOperations.ts), built by the engine's own
 * builder and run by the engine's executor, as the editor's operation flow
 * does: a read-only profile is refused before anything connects; a blocking
 * or destructive operation, or any on a production profile, runs only with
 * --yes (without it the exact statement is printed and nothing runs); Ctrl+C
 * cancels it on the server.
 */
import { describeConnectionError } from '../core/connections/errors';
import { engineModule } from '../core/engines';
import { formatBytes, formatDuration } from '../core/format';
import { describeChange, type Operation, type OperationOutcome } from '../core/operations/operation';
import type { ConnectionProfile } from '../core/connections/profile';
import type { Command } from './args';
import { findProfile } from './config';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { reportDatabase } from './reportCommand';
import { BACKUP_OPERATION, findRunOperation, RUN_OPERATIONS } from './runOperations';
import { openCliSession } from './sessions';

export type RunCommand = Extract<Command, { command: 'run' }>;

/** Why an operation needs --yes, or undefined when it may run without. */
export function needsYes(op: Pick<Operation, 'risk'>, profile: Pick<ConnectionProfile, 'production' | 'name'>): string | undefined {
  if (op.risk === 'blocking') return 'it blocks other sessions while it runs';
  if (op.risk === 'destructive') return 'it deletes what cannot be brought back';
  if (profile.production) return `“${profile.name}” is a production connection`;
  return undefined;
}

/** The one line after a run: what ran, how long, what changed. */
export function summaryLine(outcome: OperationOutcome, connection: string): string {
  const change = describeChange(outcome, formatBytes);
  const extra = [change, outcome.summary].filter(Boolean).join('; ');
  return `${outcome.status}: ${outcome.title} on “${connection}” in ${formatDuration(outcome.durationMs)}${extra ? ` — ${extra}` : ''}`;
}

export async function runCommand(cmd: RunCommand, ctx: CliContext): Promise<number> {
  try {
    return await runOperation(cmd, ctx);
  } catch (err) {
    if (err instanceof CliError && (err.kind === 'usage' || err.exitCode !== EXIT.couldNot)) throw err;
    if (ctx.signal.aborted) throw new CliError('stopped (Ctrl+C) before the operation started', 'failure', EXIT.interrupted);
    throw new CliError(err instanceof Error ? err.message : String(err), 'failure', EXIT.runFailed);
  }
}

async function runOperation(cmd: RunCommand, ctx: CliContext): Promise<number> {
  // A backup of any engine with backups, through the catalog rather than an operation executor.
  if (cmd.operation === BACKUP_OPERATION) return (await import('./backupCommand')).backupCommand(cmd, ctx, await ctx.config(cmd.config));
  const spec = findRunOperation(cmd.operation);
  if (!spec) throw new CliError(`unknown operation "${cmd.operation}": use one of ${[...RUN_OPERATIONS.map((o) => o.name), BACKUP_OPERATION].join(', ')} (upkeep run --help)`, 'usage');
  const config = await ctx.config(cmd.config);
  const profile = findProfile(config.profiles, cmd.connection);
  const engine = engineModule(profile.engine);
  const wanted = engineModule(spec.engine);
  if (wanted.id !== engine.id) throw new CliError(`${spec.name} is a ${wanted.label} operation; “${profile.name}” is a ${engine.label} connection`, 'usage');
  if (spec.targetHelp === undefined && cmd.target !== undefined) throw new CliError(`${spec.name} takes no --target`, 'usage');
  // Before anything connects: a read-only profile is never changed.
  if (profile.readOnly) throw new CliError(`“${profile.name}” is read-only: upkeep run changes nothing on it (the profile's readOnly setting)`, 'failure', EXIT.readOnly);
  if (!engine.executor || !engine.openSession) throw new CliError(`${engine.label} operations cannot run outside the editor yet`);
  const database = reportDatabase(profile, cmd.database);

  let password: string | undefined;
  try {
    password = await ctx.passwords.passwordFor(profile);
    const opened = await openCliSession(profile, password, ctx.passwords, ctx.sessionOptions(config));
    try {
      const op = await spec.build({ session: opened.session, database, ...(cmd.target !== undefined ? { target: cmd.target } : {}) });
      const why = needsYes(op, profile);
      if (why && !cmd.yes) {
        await ctx.write(`${op.text}\n`);
        ctx.info(`not run: ${op.title} needs --yes (${why}; ${op.impact}). The statement above is what would run.`);
        return EXIT.needsYes;
      }
      if (ctx.signal.aborted) throw new CliError('stopped (Ctrl+C) before the operation started', 'failure', EXIT.interrupted);
      if (cmd.verbose) ctx.info(`running on “${profile.name}” (${opened.summary}), database ${database}: ${op.text}`);
      const executor = await engine.executor(opened.session, {
        lockTimeoutMs: config.settings.get('upkeep.maintenance.lockTimeoutMs', 10_000),
        concurrentLockTimeoutMs: config.settings.get('upkeep.maintenance.concurrentLockTimeoutMs', 0),
        ...(ctx.log ? { log: ctx.log } : {}),
      });
      if (ctx.isTty) ctx.info(`${op.title}: started (${op.impact})`);
      let last = '';
      const batch = await executor.run([op], {
        signal: ctx.signal,
        onProgress: (p) => {
          if (!ctx.isTty) return;
          const line = `${op.title}: ${p.phase}${p.percent !== null ? ` (${Math.round(p.percent)}%)` : ''}`;
          if (line !== last) ctx.info((last = line));
        },
      });
      const outcome = batch.outcomes[0];
      if (!outcome) throw new CliError('stopped (Ctrl+C) before the operation started', 'failure', EXIT.interrupted);
      if (cmd.verbose) for (const n of outcome.notices) ctx.info(`notice: ${n}`);
      if (outcome.status === 'done') {
        await ctx.write(`${summaryLine(outcome, profile.name)}\n`);
        return EXIT.ok;
      }
      const left = outcome.leftBehind ? ` Left behind: ${outcome.leftBehind}` : '';
      if (outcome.status === 'cancelled') {
        ctx.info(`stopped (Ctrl+C): ${op.title} was cancelled on the server${op.cancelNote ? ` (${op.cancelNote})` : ''}.${left}`);
        return EXIT.interrupted;
      }
      const problem = (outcome.problem?.message ?? 'the server refused it').replace(/\.+$/, '');
      ctx.info(`failed: ${op.title} on “${profile.name}”: ${problem}.${left}`);
      return EXIT.runFailed;
    } finally {
      await opened.release().catch(() => undefined);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${spec.name} on “${profile.name}”: ${describeConnectionError(profile, err, [password, ...ctx.known.list()]).message}`, 'failure', ctx.signal.aborted ? EXIT.interrupted : EXIT.runFailed);
  }
}
