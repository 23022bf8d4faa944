/**
 * Where a health check sends the user: the report that explains it, the
 * connection's node, or a command that fixes it. Links are data (a command id
 * and JSON arguments): the editor runs only the commands it allows
 * (`HEALTH_LINK_COMMANDS`), the CLI prints the title.
 */
import type { ConnectionProfile } from '../connections/profile';
import type { HealthCheck, HealthLink } from './model';

/** Opens one of the connection's report panels: args `[ReportLinkArgs]`. */
export const OPEN_REPORT_COMMAND = 'upkeep.health.openReport';
/** Shows the connection in its engine's view: args `[{ connectionId }]`. */
export const SHOW_CONNECTION_COMMAND = 'upkeep.health.showConnection';
/** The backup command, with `[undefined, { connectionId, database }]`. */
export const BACKUP_NOW_COMMAND = 'upkeep.backup.backupNow';
/** The backup list of a connection, with `[undefined, { connectionId }]`. */
export const BACKUP_LIST_COMMAND = 'upkeep.backup.list';
/** Docker's prune (it asks which connection and what to prune, and previews). */
export const DOCKER_PRUNE_COMMAND = 'upkeep.docker.prune';

/** Every command a health link may name; the Health panel refuses the rest. */
export const HEALTH_LINK_COMMANDS: readonly string[] = [OPEN_REPORT_COMMAND, SHOW_CONNECTION_COMMAND, BACKUP_NOW_COMMAND, BACKUP_LIST_COMMAND, DOCKER_PRUNE_COMMAND];

export interface ReportLinkArgs {
  connectionId: string;
  /** The engine's report kind ('health', 'memory', 'neo4j-schema'…). */
  kind: string;
  /** The report's database as the engine names it ('app', 'db0', 'neo4j'). */
  database: string;
}

export function reportLink(title: string, profile: ConnectionProfile, kind: string, database: string): HealthLink {
  const args: ReportLinkArgs = { connectionId: profile.id, kind, database };
  return { title, command: OPEN_REPORT_COMMAND, args: [args] };
}

export function connectionLink(profile: ConnectionProfile, title = 'Show the connection'): HealthLink {
  return { title, command: SHOW_CONNECTION_COMMAND, args: [{ connectionId: profile.id }] };
}

export function backupNowLink(profile: ConnectionProfile, database: string | undefined): HealthLink {
  return { title: 'Back up now', command: BACKUP_NOW_COMMAND, args: [null, { connectionId: profile.id, ...(database !== undefined ? { database } : {}) }] };
}

export function backupListLink(profile: ConnectionProfile): HealthLink {
  return { title: 'Show its backups', command: BACKUP_LIST_COMMAND, args: [null, { connectionId: profile.id }] };
}

/** A check that could not be made (a refused or failed read): 'unknown' with the first line of why, the others still stand. */
export async function orUnknown(id: string, title: string, read: () => Promise<HealthCheck>): Promise<HealthCheck> {
  try {
    return await read();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { id, title, severity: 'unknown', reason: `could not be read: ${message.split('\n')[0]?.slice(0, 200) ?? message}` };
  }
}
