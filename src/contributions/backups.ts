/** Backups of every engine: back up, verify, list, restore (backup-commands chunk) and the backups report. */
import { lazy } from '../app/lazy';
import type * as BackupCommandsModule from '../commands/backup/index';
import type { Contribution } from './context';

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- the chunk loads the first time a command needs it */
const backupCommandsModule = lazy(() => require('../commands/backup/index') as typeof BackupCommandsModule);

type Backups = BackupCommandsModule.BackupCommands;

export function registerBackups(c: Contribution): void {
  const { register } = c;
  const backups = lazy(() => new (backupCommandsModule().BackupCommands)({ flow: c.flow, profiles: c.profiles, storageDir: c.context.globalStorageUri.fsPath }));
  register('upkeep.backup.backupNow', (node?: unknown, args?: Parameters<Backups['backupNow']>[1]) => backups().backupNow(node, args));
  register('upkeep.backup.verify', (node?: unknown, args?: Parameters<Backups['verify']>[1]) => backups().verify(node, args));
  register('upkeep.backup.list', (node?: unknown, args?: Parameters<Backups['list']>[1]) => backups().list(node, args));
  register('upkeep.backup.restore', (node?: unknown, args?: Parameters<Backups['restore']>[1]) => backups().restore(node, args));
  register('upkeep.backup.report', () => c.reports().showGlobal('backups'));
}
