/**
 * The age of a connection's last backup, from the shared backup catalog (the
 * files and manifests in its backup folder): any engine with backups can ask
 * for it. Reading a folder is cheap; nothing is sent to the server.
 */
import { listBackups } from '../backup/catalog';
import { backupThresholds } from '../backup/report';
import type { BackupSupport } from '../backup/model';
import type { ConnectionProfile } from '../connections/profile';
import type { SettingsReader } from '../engine';
import { formatAge } from '../format';
import { backupListLink, backupNowLink } from './links';
import type { HealthCheck, HealthSeverity } from './model';

const DAY_MS = 86_400_000;

/** The backups report's own threshold (upkeep.backup.staleDays, 7 days), so both call the same backup stale. */
export function backupStaleDays(settings: SettingsReader): number {
  return backupThresholds(settings).staleDays;
}

/**
 * No backup at all, or the newest older than `staleDays` (as the backups report: strictly older): a warning (the data
 * is still there; what is at risk is what a restore would bring back).
 */
export function judgeBackupAge(takenAt: Date | undefined, now: Date, staleDays: number): { severity: HealthSeverity; reason: string } {
  if (!takenAt) return { severity: 'warning', reason: `no backup found (warning after ${staleDays} d without one)` };
  const days = (now.getTime() - takenAt.getTime()) / DAY_MS;
  const age = formatAge(takenAt, now);
  return days > staleDays
    ? { severity: 'warning', reason: `last backup ${age}, older than ${staleDays} d` }
    : { severity: 'ok', reason: `last backup ${age} (warning from ${staleDays} d)` };
}

export async function lastBackupCheck(profile: ConnectionProfile, folder: string, support: BackupSupport, settings: SettingsReader, now = new Date()): Promise<HealthCheck> {
  const entries = await listBackups(folder, profile, support);
  const newest = entries[0];
  const { severity, reason } = judgeBackupAge(newest?.takenAt, now, backupStaleDays(settings));
  const database = newest?.manifest?.database;
  return {
    id: 'last-backup',
    title: 'Last backup',
    severity,
    reason: newest && database ? `${reason} (${database})` : reason,
    explain: backupListLink(profile),
    ...(severity !== 'ok' ? { fixes: [backupNowLink(profile, profile.database)] } : {}),
  };
}
