/**
 * Where a connection's backups live, the one rule the editor, the health
 * checks and the CLI share: the connection's own folder
 * (`upkeep.backup.connectionFolders[id]`), else `upkeep.backup.folder`, else
 * `backups` under the given storage folder; `~/` is the user's home.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectionProfile } from '../connections/profile';
import type { SettingsReader } from '../engine';

export function backupFolderFor(profile: ConnectionProfile, settings: SettingsReader, storageDir: string, home: string = os.homedir()): string {
  const own = settings.get<Record<string, unknown>>('upkeep.backup.connectionFolders', {})[profile.id];
  const folder = (typeof own === 'string' && own) || settings.get<string>('upkeep.backup.folder', '') || path.join(storageDir, 'backups');
  return folder.startsWith('~/') ? path.join(home, folder.slice(2)) : folder;
}
