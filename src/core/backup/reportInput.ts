/**
 * What the backups report is built from, read from disk: each connection's
 * backup folder through the catalog (any engine with a `backup` hook), and
 * whether that folder shares a disk with the server's data directory (device
 * ids, when the engine can say where its data lives and the server runs on
 * this machine). Plain inputs only, so the editor and the CLI call it alike.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ConnectionProfile } from '../connections/profile';
import type { SettingsReader } from '../engine';
import { engineModule } from '../engines';
import type { Report } from '../reports/model';
import { listBackups } from './catalog';
import { backupThresholds, buildBackupsReport, type BackupsReportInput, type ConnectionBackups } from './report';

export interface BackupsReportSources {
  profiles: readonly ConnectionProfile[];
  /** A connection's backup folder (the editor: upkeep.backup.connectionFolders / folder / its storage). */
  folderOf(profile: ConnectionProfile): string;
  settings: SettingsReader;
  now?: Date;
  /**
   * The directory the server keeps its data in, as this machine sees it (the
   * engine module's `dataDirectory` hook on a session the caller holds);
   * undefined when unknown. Asked only for servers on this machine.
   */
  dataDirectoryOf?(profile: ConnectionProfile): Promise<string | undefined>;
  signal?: AbortSignal;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** A server on this machine: a loopback address or a Unix socket folder. */
export function isLocalServer(profile: ConnectionProfile): boolean {
  const host = profile.host ?? '';
  return LOCAL_HOSTS.has(host.toLowerCase()) || host.startsWith('/');
}

/** The device a path is on: its own, or (not created yet) its nearest existing parent's. */
export async function deviceOf(p: string): Promise<number | undefined> {
  let current = path.resolve(p);
  for (;;) {
    try {
      return (await fs.stat(current)).dev;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

async function folderProblem(folder: string): Promise<string | undefined> {
  try {
    await fs.readdir(folder);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A folder not made yet holds no backup: that is the "no backup" finding, not a problem.
    return code === 'ENOENT' ? undefined : `${code ?? 'error'}: ${(err as Error).message}`;
  }
}

async function sameDisk(folder: string, dataDirectory: string | undefined): Promise<string | undefined> {
  if (!dataDirectory) return undefined;
  const [a, b] = await Promise.all([deviceOf(folder), fs.stat(dataDirectory).then((s) => s.dev, () => undefined)]);
  return a !== undefined && a === b ? dataDirectory : undefined;
}

/** Every connection whose engine can back up, with its folder's backups. */
export async function gatherBackups(src: BackupsReportSources): Promise<BackupsReportInput> {
  const started = Date.now();
  const connections: ConnectionBackups[] = [];
  for (const profile of src.profiles) {
    if (src.signal?.aborted) throw new Error('cancelled');
    const engine = engineModule(profile.engine);
    if (!engine.backup) continue;
    const support = await engine.backup();
    const folder = src.folderOf(profile);
    const problem = await folderProblem(folder);
    const entries = problem ? [] : await listBackups(folder, profile, support);
    let dataDirectory: string | undefined;
    if (src.dataDirectoryOf && isLocalServer(profile)) dataDirectory = await src.dataDirectoryOf(profile).catch(() => undefined);
    const sameDiskAs = await sameDisk(folder, dataDirectory);
    connections.push({ id: profile.id, name: profile.name, engineLabel: engine.label, folder, entries, ...(problem ? { folderProblem: problem } : {}), ...(sameDiskAs ? { sameDiskAs } : {}) });
  }
  return { connections, now: src.now ?? new Date(), thresholds: backupThresholds(src.settings), durationMs: Date.now() - started };
}

/** The backups report of these connections: what `upkeep report backups` and the panel show. */
export async function backupsReport(src: BackupsReportSources): Promise<Report> {
  return buildBackupsReport(await gatherBackups(src));
}
