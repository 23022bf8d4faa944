/**
 * `upkeep health`: every connection and endpoint of the configuration (or
 * those named with --connection) through the shared health run, printed as
 * text, JSON or JUnit; the exit code is the worst severity's (0 healthy,
 * 1 warning, 2 critical, 3 could not check).
 */
import * as os from 'node:os';
import { exitCodeOf, type HealthEndpoint, type HealthRun } from '../core/health/model';
import { runHealth } from '../core/health/run';
import type { ConnectionProfile } from '../core/connections/profile';
import type { Command } from './args';
import { backupFolderFor } from '../core/backup/folder';
import type { CliConfig } from './config';
import { CliError } from './errors';
import { emojiByDefault, renderHealthJson, renderHealthJunit, renderHealthText } from './healthOutput';
import type { CliContext } from './context';
import { openCliSession } from './sessions';

export type HealthCommand = Extract<Command, { command: 'health' }>;

/** The profiles and endpoints the names select (each name a connection's id or name, or an endpoint's name); all when none. */
export function selectSubjects(config: Pick<CliConfig, 'profiles' | 'endpoints'>, names: readonly string[]): { profiles: ConnectionProfile[]; endpoints: HealthEndpoint[] } {
  if (!names.length) return { profiles: [...config.profiles], endpoints: [...config.endpoints] };
  const profiles: ConnectionProfile[] = [];
  const endpoints: HealthEndpoint[] = [];
  for (const name of names) {
    const byId = config.profiles.find((p) => p.id === name);
    const byName = config.profiles.filter((p) => p.name === name);
    const endpoint = config.endpoints.find((e) => e.name === name);
    if (byId) profiles.push(byId);
    else if (byName.length > 1) throw new CliError(`${byName.length} connections are named "${name}": give its id instead (${byName.map((p) => p.id).join(', ')})`, 'usage');
    else if (byName[0]) profiles.push(byName[0]);
    else if (endpoint) endpoints.push(endpoint);
    else {
      const known = [...config.profiles.map((p) => p.name), ...config.endpoints.map((e) => e.name)].map((n) => `"${n}"`).join(', ');
      throw new CliError(`no connection or endpoint "${name}"${known ? `: known are ${known}` : ''}`, 'usage');
    }
  }
  return { profiles: [...new Set(profiles)], endpoints: [...new Set(endpoints)] };
}

export async function healthCommand(cmd: HealthCommand, ctx: CliContext): Promise<number> {
  const config = await ctx.config(cmd.config);
  const { profiles, endpoints } = selectSubjects(config, cmd.connections);
  const run: HealthRun = await runHealth(profiles, endpoints, {
    settings: config.settings,
    passwordFor: (p) => ctx.passwords.passwordFor(p),
    openSession: (p, password) => openCliSession(p, password, ctx.passwords, ctx.sessionOptions(config)),
    // As the editor: the last-backup check is off when upkeep.health.checkBackups is false.
    backupFolder: (p) => (config.settings.get<boolean>('upkeep.health.checkBackups', true) ? backupFolderFor(p, config.settings, ctx.backupBase(config), os.homedir()) : undefined),
    ...(cmd.timeoutS !== undefined ? { timeoutMs: Math.round(cmd.timeoutS * 1000) } : {}),
    signal: ctx.signal,
    ...(ctx.log ? { log: ctx.log } : {}),
  });
  if (ctx.signal.aborted) throw new CliError('stopped (Ctrl+C)');
  const text = cmd.format === 'json' ? renderHealthJson(run) : cmd.format === 'junit' ? renderHealthJunit(run) : renderHealthText(run, cmd.emoji ?? emojiByDefault(ctx.isTty, ctx.env));
  await ctx.write(ctx.redact(text));
  return exitCodeOf(run.worst);
}
