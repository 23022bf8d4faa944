/**
 * What a volume backup records for Verify, and the comparison (pure): the
 * number of files, their total bytes and each file's SHA-256 by path; for a
 * volume with more files than `LIST_LIMIT` the per-file list is replaced by
 * one digest of it, so the manifest stays small (Verify then says that the
 * lists differ without naming every file).
 */
import { createHash } from 'node:crypto';
import type { TarListing } from './tarDigest';

/** Files listed one by one in the manifest; above this only the list's digest is kept. */
export const LIST_LIMIT = 5_000;

export interface VolumeSnapshotDetail {
  volume: string;
  files: number;
  directories: number;
  bytes: number;
  /** SHA-256 of the sorted "path\0sha256\n" lines: equal lists, equal digests. */
  listDigest: string;
  /** path → SHA-256, when the volume has at most LIST_LIMIT files. */
  checksums?: Record<string, string>;
}

export function listDigest(listing: TarListing): string {
  const h = createHash('sha256');
  for (const f of [...listing.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) h.update(`${f.path}\0${f.sha256}\n`);
  return h.digest('hex');
}

export function volumeSnapshot(volume: string, listing: TarListing, limit = LIST_LIMIT): VolumeSnapshotDetail {
  const detail: VolumeSnapshotDetail = { volume, files: listing.files.length, directories: listing.directories, bytes: listing.bytes, listDigest: listDigest(listing) };
  if (listing.files.length <= limit) detail.checksums = Object.fromEntries(listing.files.map((f) => [f.path, f.sha256]));
  return detail;
}

/** A path for a message: JSON-quoted, so spaces, quotes and control characters are visible and nothing is interpreted. */
function named(p: string): string {
  return JSON.stringify(p);
}

/** The differences between what was recorded and what a restore holds; empty when equal. At most `max` are named. */
export function compareSnapshots(recorded: VolumeSnapshotDetail, restored: TarListing, max = 50): string[] {
  const out: string[] = [];
  if (recorded.checksums) {
    const now = new Map(restored.files.map((f) => [f.path, f.sha256]));
    for (const [p, sha] of Object.entries(recorded.checksums)) {
      const got = now.get(p);
      if (got === undefined) out.push(`file ${named(p)}: in the backup's record, missing after the restore`);
      else if (got !== sha) out.push(`file ${named(p)}: content differs (SHA-256 ${sha.slice(0, 12)}… at backup, ${got.slice(0, 12)}… restored)`);
      now.delete(p);
    }
    for (const p of now.keys()) out.push(`file ${named(p)}: restored but not in the backup's record`);
  } else if (listDigest(restored) !== recorded.listDigest) {
    out.push(`the checksums of the ${recorded.files.toLocaleString('en-US')} files differ from those recorded (too many files to record each one: which files is not known)`);
  }
  if (restored.files.length !== recorded.files) out.push(`${recorded.files.toLocaleString('en-US')} files at backup, ${restored.files.length.toLocaleString('en-US')} restored`);
  if (restored.bytes !== recorded.bytes) out.push(`${recorded.bytes.toLocaleString('en-US')} bytes at backup, ${restored.bytes.toLocaleString('en-US')} restored`);
  return out.length > max ? [...out.slice(0, max), `… and ${out.length - max} more differences`] : out;
}
