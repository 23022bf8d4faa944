/**
 * What a backup command acts on: a connection (and, for engines whose
 * backups name one, a database), from the tree node it was invoked on, from
 * the arguments (tests, other commands), or picked in the palette. Which
 * engines can back up is asked of their modules.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { engineModule } from '../../core/engines';
import { backupFolderFor } from '../../core/backup/folder';
import type { BackupContext, BackupOptions, BackupSupport, ToolSettings } from '../../core/backup/model';
import type { ContainerAccess } from '../../core/backup/container';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { backupTargetOf } from '../../views/node';
import { UserFacingError } from '../../core/errors';
import { pick } from '../pick';

export { pick };

export interface BackupTarget {
  profile: ConnectionProfile;
  support: BackupSupport;
  /** The database, for engines whose backups name one. */
  database: string | undefined;
}

/** Arguments the commands accept instead of a node (no picker is shown for what they give). */
export interface BackupTargetArgs {
  connectionId?: string;
  database?: string;
}


function fromNode(node: unknown): { profile: ConnectionProfile; database?: string } | undefined {
  // A node that stands for one thing to back up (a PostgreSQL database, a Docker volume) says so.
  const target = backupTargetOf(node);
  if (target) return target;
  // Every engine's connection node carries its profile.
  const profile = (node as { profile?: ConnectionProfile } | undefined)?.profile;
  return profile && typeof profile.engine === 'string' ? { profile } : undefined;
}

export async function supportFor(profile: ConnectionProfile): Promise<BackupSupport> {
  const engine = engineModule(profile.engine);
  if (!engine.backup) throw new UserFacingError(`Upkeep cannot back up ${engine.label} connections yet.`);
  return engine.backup();
}

/** The connection and database to back up: node → arguments → palette. `databaseContext` lets the engine list the databases to pick from. */
export async function resolveBackupTarget(node: unknown, args: BackupTargetArgs | undefined, profiles: ProfileStore, databaseContext: (p: ConnectionProfile) => Promise<BackupContext>, askDatabase = true): Promise<BackupTarget> {
  let found = fromNode(node);
  if (!found && args?.connectionId) {
    const stored = profiles.get(args.connectionId);
    if (!stored) throw new UserFacingError(`No connection with id ${args.connectionId}.`);
    found = { profile: stored.profile };
  }
  if (!found) {
    const able = profiles.all().filter((s) => 'backup' in engineModule(s.profile.engine));
    const profile = await pick(able.map((s) => ({ label: s.profile.name, description: engineModule(s.profile.engine).label, value: s.profile })), 'Which connection?');
    found = { profile };
  }
  const support = await supportFor(found.profile);
  let database = args?.database ?? found.database;
  if (database === undefined && support.databases && askDatabase) {
    const names = await support.databases(await databaseContext(found.profile));
    database = await pick(names.map((n) => ({ label: n, description: n === found.profile.database ? 'the connection\'s database' : '', value: n })), 'Which database?');
  }
  return { profile: found.profile, support, database: support.databases ? database : undefined };
}

/** The backup folder of a connection: its own setting, else upkeep.backup.folder, else the extension's storage. */
export function backupFolder(profile: ConnectionProfile, storageDir: string): string {
  return backupFolderFor(profile, { get: <T>(key: string, fallback: T): T => vscode.workspace.getConfiguration().get<T>(key, fallback) }, storageDir);
}

/** The engine's own settings under upkeep.backup (the keys its support names), non-empty values only. */
export function toolSettings(support: BackupSupport): ToolSettings {
  const c = vscode.workspace.getConfiguration('upkeep.backup');
  const out: Record<string, string> = {};
  for (const key of support.toolSettingKeys ?? []) {
    const value = c.get<unknown>(key);
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

/**
 * The container the profile's server runs in (`profile.container`), through
 * the container engine's connection it names, when that connection is one of
 * the user's and the container runs; undefined otherwise.
 */
export async function containerAccessFor(profile: ConnectionProfile, profiles: ProfileStore, connections: ConnectionService): Promise<ContainerAccess | undefined> {
  const ref = profile.container;
  if (!ref) return undefined;
  const host = profiles.get(ref.docker)?.profile;
  const module = host ? engineModule(host.engine) : undefined;
  if (!host || !module?.containerAccess) return undefined;
  return module.containerAccess(await connections.session(host), ref.id);
}

export function retentionSettings(): { keepLast: number; keepDays: number } {
  const c = vscode.workspace.getConfiguration('upkeep.backup');
  return { keepLast: c.get<number>('keepLast', 0), keepDays: c.get<number>('keepDays', 0) };
}

/** The options picker: the format (when there are several for this connection), then what the format asks (content, jobs). */
export async function pickOptions(support: BackupSupport, profile: ConnectionProfile): Promise<BackupOptions> {
  // A format that runs through the server's container is offered only when the connection names one.
  const formats = support.formats.filter((f) => !f.needsContainer || profile.container);
  const format = formats.length > 1
    ? await pick(formats.map((f) => ({ label: f.label, value: f })), 'Which backup format?')
    : formats[0];
  if (!format) throw new UserFacingError('This engine offers no backup format.');
  const options: BackupOptions = { format: format.id };
  if (format.asks?.includes('content')) {
    const content = await pick<'all' | 'schema' | 'data'>(
      [
        { label: 'Schema and data', value: 'all' },
        { label: 'Schema only', value: 'schema' },
        { label: 'Data only', description: 'Verify cannot restore it into an empty database', value: 'data' },
      ],
      'What to back up?',
    );
    if (content !== 'all') options.content = content;
  }
  if (format.asks?.includes('jobs')) {
    options.jobs = await pick([1, 2, 4, 8].map((n) => ({ label: `${n} job${n === 1 ? '' : 's'}`, value: n })), 'Parallel jobs?');
  }
  return options;
}
