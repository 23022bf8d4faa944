/**
 * `upkeep report <name> --connection NAME`: the same report as the panel,
 * from the same core: the engine's `reports` hook builds it on a session the
 * engine opens, and the shared renderers write it (Markdown, standalone HTML
 * with its CSP, JSON, CSV), to stdout or to a file written whole.
 */
import * as os from 'node:os';
import { describeConnectionError } from '../core/connections/errors';
import type { ConnectionProfile } from '../core/connections/profile';
import type { ReportRequest } from '../core/engine';
import { engineModule } from '../core/engines';
import { isCancelled } from '../core/errors';
import type { Report } from '../core/reports/model';
import { renderCsv, renderHtml, renderJson, renderMarkdown } from '../core/reports/render';
import type { Command, ReportFormat } from './args';
import { backupFolderFor } from '../core/backup/folder';
import { findProfile } from './config';
import type { CliContext } from './context';
import { CliError } from './errors';
import { writeOutFile } from './output';
import { connectionsReport, resolveReport } from './reportNames';
import { dataDirectoryOf, openCliSession } from './sessions';

export type ReportCommand = Extract<Command, { command: 'report' }>;

export const RENDERERS: Record<ReportFormat, (r: Report) => string> = { md: renderMarkdown, html: renderHtml, json: renderJson, csv: renderCsv };

/** The database a report is about: --database, else the profile's, else the engine's default (PostgreSQL's postgres, Redis's 0). */
export function reportDatabase(profile: ConnectionProfile, given: string | undefined): string {
  const engine = engineModule(profile.engine);
  const database = given ?? profile.database ?? engine.fields.find((f) => f.key === 'database')?.default;
  if (database === undefined || database === '') throw new CliError(`“${profile.name}” names no database: give --database`, 'usage');
  return database;
}

export async function reportCommand(cmd: ReportCommand, ctx: CliContext): Promise<number> {
  const config = await ctx.config(cmd.config);
  const storageDir = ctx.storageDir(config);
  const across = connectionsReport(cmd.report);
  if (!across && !cmd.connection) throw new CliError(`report ${cmd.report} needs --connection NAME`, 'usage');
  const profile = cmd.connection !== undefined ? findProfile(config.profiles, cmd.connection) : undefined;
  let report: Report;
  if (across || !profile) {
    if (!across?.build) throw new CliError(`the ${cmd.report} report is not available in this build`);
    report = await across.build({
      profiles: profile ? [profile] : config.profiles,
      ...(cmd.database !== undefined ? { database: cmd.database } : {}),
      settings: config.settings,
      storageDir,
      backupFolder: (p) => backupFolderFor(p, config.settings, ctx.backupBase(config), os.homedir()),
      dataDirectoryOf: (p) => dataDirectoryOf(p, ctx.passwords, ctx.sessionOptions(config)),
      signal: ctx.signal,
    });
  } else {
    const resolved = resolveReport(cmd.report, profile);
    if (resolved.kind !== 'engine') throw new CliError(`the ${cmd.report} report is not available in this build`);
    const database = reportDatabase(profile, cmd.database);
    let password: string | undefined;
    try {
      password = await ctx.passwords.passwordFor(profile);
      const opened = await openCliSession(profile, password, ctx.passwords, ctx.sessionOptions(config));
      try {
        const req: ReportRequest = { session: opened.session, profile, database, signal: ctx.signal, settings: config.settings, storageDir, ...(ctx.log ? { log: ctx.log } : {}) };
        report = await resolved.reports.build(resolved.info.id, req);
      } finally {
        await opened.release().catch(() => undefined);
      }
    } catch (err) {
      if (ctx.signal.aborted || isCancelled(err)) throw new CliError('stopped (Ctrl+C): the report\'s queries were cancelled');
      if (err instanceof CliError) throw err;
      throw new CliError(`${resolved.info.longTitle} report of “${profile.name}”: ${describeConnectionError(profile, err, [password, ...ctx.known.list()]).message}`);
    }
  }
  const text = RENDERERS[cmd.format](report);
  if (cmd.out) {
    await writeOutFile(cmd.out, text, cmd.force);
    ctx.info(`wrote the ${report.title} report of “${report.connectionName}” (${report.database}) to ${cmd.out}`);
  } else await ctx.write(text);
  return 0;
}
