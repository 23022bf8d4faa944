/**
 * The backups report in the editor (chunk backup-report): every connection
 * whose engine can back up, its folder from the backup settings, the
 * thresholds from the settings, and, for servers on this machine, their data
 * directory through the engine's hook on the editor's session (a few seconds
 * at most: a server that does not answer is just not compared).
 */
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import type { ConnectionProfile } from '../../core/connections/profile';
import { engineModule } from '../../core/engines';
import type { Logger } from '../../core/log';
import { BACKUP_REPORT_COMMANDS } from '../../core/backup/report';
import { backupsReport } from '../../core/backup/reportInput';
import { editorSettings, type GlobalReport } from '../../webviews/reportPanel';
import { backupFolder } from './target';

export interface BackupsReportDeps {
  connections: ConnectionService;
  profiles: ProfileStore;
  log: Logger;
  storageDir: string;
}

const DATA_DIRECTORY_DEADLINE_MS = 4_000;

async function dataDirectoryOf(deps: BackupsReportDeps, profile: ConnectionProfile): Promise<string | undefined> {
  const engine = engineModule(profile.engine);
  if (!engine.dataDirectory) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), DATA_DIRECTORY_DEADLINE_MS);
  });
  try {
    return await Promise.race([deps.connections.session(profile).then((s) => engine.dataDirectory?.(s)), deadline]);
  } catch (err) {
    deps.log.debug(`Backups report: no data directory for ${profile.name}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** The backups report as the panel host runs it (Refresh reads the folders again). */
export function backupsGlobalReport(deps: BackupsReportDeps): GlobalReport {
  return {
    commands: BACKUP_REPORT_COMMANDS,
    build: (signal) =>
      backupsReport({
        profiles: deps.profiles.all().map((s) => s.profile),
        folderOf: (p) => backupFolder(p, deps.storageDir),
        settings: editorSettings,
        dataDirectoryOf: (p) => dataDirectoryOf(deps, p),
        signal,
      }),
  };
}
