/**
 * Which old backups retention may delete (pure). Retention runs only after a
 * newer backup was verified, and only ever retires backups that such a
 * verified backup supersedes: never the newest verified one, never one newer
 * than it, never a file from outside Upkeep (no manifest), and never one that
 * a rule keeps. A backup is kept when either rule keeps it ("keep the last N
 * and/or the last N days": both rules protect).
 */
import type { BackupEntry } from './model';

export interface RetentionPolicy {
  /** Keep the newest N backups (0: this rule keeps none). */
  keepLast: number;
  /** Keep backups younger than N days (0: this rule keeps none). */
  keepDays: number;
}

export interface RetentionChoice {
  retire: BackupEntry[];
  /** Why nothing (more) was retired, for the log. */
  reason: string;
}

const DAY_MS = 86_400_000;

/** `entries`: the backups of one connection and database (any order). */
export function chooseRetired(entries: readonly BackupEntry[], policy: RetentionPolicy, now: Date): RetentionChoice {
  if (policy.keepLast <= 0 && policy.keepDays <= 0) return { retire: [], reason: 'retention is off (keep last 0, keep days 0)' };
  const sorted = [...entries].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  const verified = sorted.find((e) => e.manifest?.verification?.status === 'passed');
  if (!verified) return { retire: [], reason: 'no backup is verified yet, so none is superseded' };
  const retire = sorted.filter((e, i) => {
    if (e === verified || e.outside || !e.manifest) return false;
    if (e.takenAt.getTime() >= verified.takenAt.getTime()) return false;
    const keptByCount = policy.keepLast > 0 && i < policy.keepLast;
    const keptByAge = policy.keepDays > 0 && now.getTime() - e.takenAt.getTime() < policy.keepDays * DAY_MS;
    return !keptByCount && !keptByAge;
  });
  return { retire, reason: retire.length ? `superseded by the verified backup ${verified.name}` : 'every older backup is kept by the rules' };
}
