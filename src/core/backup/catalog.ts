/**
 * The backup catalog, the same for every engine: a backup is written under a
 * hidden temporary name in its folder, hashed, described by a manifest, and
 * only then given its final name (never overwriting anything); a failure or a
 * cancel removes the temporary file. Listing reads the folder (manifests, and
 * files matching the naming without one, marked as from outside Upkeep);
 * verification results go into the manifest; retention retires only what a
 * verified newer backup supersedes.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ConnectionProfile } from '../connections/profile';
import { describeConnectionError } from '../connections/errors';
import { redact } from '../connections/redact';
import { isCancelled, isUserFacing, UserFacingError } from '../errors';
import type { BackupContext, BackupEntry, BackupManifest, BackupOptions, BackupSupport, VerifyContext, VerifyResult } from './model';
import { backupName, isPartialName, manifestName, matchBackupName, MANIFEST_SUFFIX, partialName, slug } from './naming';
import { claimFinalName, exists, randomSuffix, removeQuietly, sha256Of, sizeOf, writeFileAtomic } from './files';
import { chooseRetired, type RetentionPolicy } from './retention';
import { verifyRefusal } from './verifyRules';

export interface BackupDone {
  path: string;
  manifest: BackupManifest;
}

const PROGRESS_EVERY_MS = 500;

/**
 * Backs up to `folder` with the engine's method. The folder is created if
 * missing. Throws (Cancelled on abort) with nothing left under a final name.
 */
export async function runBackup(support: BackupSupport, folder: string, options: BackupOptions, database: string | undefined, ctx: BackupContext): Promise<BackupDone> {
  const format = support.formats.find((f) => f.id === options.format);
  if (!format) throw new Error(`Unknown backup format ${options.format}.`);
  await fs.mkdir(folder, { recursive: true });
  const started = new Date();
  const wanted = backupName(ctx.profile.name, database, started, format.extension);
  const temp = path.join(folder, partialName(wanted, randomSuffix()));
  const tempManifest = `${temp}${MANIFEST_SUFFIX}`;
  let lastPhase = 'starting';
  let lastObjects: number | undefined;
  const poll = setInterval(() => {
    void sizeOf(temp).then((bytes) => ctx.onProgress?.({ phase: lastPhase, bytes, ...(lastObjects !== undefined ? { objects: lastObjects } : {}) }));
  }, PROGRESS_EVERY_MS);
  try {
    const written = await support.write(temp, options, database, {
      ...ctx,
      onProgress: (p) => {
        const changed = p.phase !== lastPhase;
        lastPhase = p.phase;
        if (p.objects !== undefined) lastObjects = p.objects;
        // A new phase shows at once (there are few); bytes and objects come with the poll.
        if (changed) ctx.onProgress?.({ phase: p.phase, ...(lastObjects !== undefined ? { objects: lastObjects } : {}) });
      },
    });
    clearInterval(poll);
    const sizeBytes = await sizeOf(temp);
    let sha256: string | Record<string, string>;
    if (written.hashed && format.shape === 'file' && written.hashed.bytes === sizeBytes) sha256 = written.hashed.sha256;
    else {
      ctx.onProgress?.({ phase: 'checksumming', bytes: sizeBytes });
      sha256 = await sha256Of(temp, format.shape);
    }
    // The final name is chosen now (a backup in the same second gets -2, -3…) and written into the manifest.
    let n = 1;
    let finalName = wanted;
    while ((await exists(path.join(folder, finalName))) || (await exists(path.join(folder, manifestName(finalName))))) {
      n++;
      finalName = backupName(ctx.profile.name, database, started, format.extension, n);
    }
    const manifest: BackupManifest = {
      manifestVersion: 1,
      file: finalName,
      shape: format.shape,
      engine: ctx.profile.engine,
      connectionId: ctx.profile.id,
      connectionName: ctx.profile.name,
      ...(database !== undefined ? { database } : {}),
      serverVersion: written.serverVersion,
      tool: written.tool,
      toolVersion: written.toolVersion,
      commandText: written.commandText,
      format: format.id,
      options,
      sizeBytes,
      sha256,
      startedAt: started.toISOString(),
      endedAt: new Date().toISOString(),
      counts: written.snapshot.counts,
      snapshot: written.snapshot.detail,
      notes: written.notes,
    };
    // The manifest is written first (a full disk fails here, before anything has a final name).
    await fs.writeFile(tempManifest, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    const final = path.join(folder, finalName);
    await claimFinalName(temp, final, format.shape);
    try {
      await fs.rename(tempManifest, path.join(folder, manifestName(finalName)));
    } catch (err) {
      // Without its manifest the backup would pass for someone else's: take it back.
      await removeQuietly(final);
      throw err;
    }
    return { path: final, manifest };
  } catch (err) {
    clearInterval(poll);
    await removeQuietly(temp);
    await removeQuietly(tempManifest);
    throw lostOnTheWay(err, ctx, 'The backup', 'Nothing was kept.');
  }
}

/**
 * A driver's or a socket's error (the server went away, the link dropped, a
 * session was killed) as the one line a user reads, saying what became of
 * the work; the raw error goes to the log. Errors already worded for the
 * user, and cancels, pass unchanged.
 */
function lostOnTheWay(err: unknown, ctx: BackupContext, what: string, outcome: string): unknown {
  if (isUserFacing(err) || isCancelled(err)) return err;
  const secrets = [ctx.password];
  ctx.log.warn(redact(`${what} of "${ctx.profile.name}" failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, secrets));
  const problem = describeConnectionError(ctx.profile, err, secrets, 'maintenance');
  // The tree's advice (refresh) is no remedy here: the work is what has to be run again.
  const text = problem.message.replace(/: refresh to reconnect\.$/, '.').replace(/[.:]?$/, '.');
  return new UserFacingError(`${what} of "${ctx.profile.name}" failed: ${text} ${outcome}`, { cause: err });
}

/**
 * Verifies a backup with its engine and writes the result into its manifest.
 * Where Verify would write on a read-only connection (verifyRules.ts), nothing
 * is sent and the result says why.
 */
export async function verifyBackup(support: BackupSupport, backupPath: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const refusal = verifyRefusal(support, ctx.profile, ctx.target?.profile, manifest.format);
  const result = refusal
    ? { status: 'not-verifiable' as const, at: new Date().toISOString(), durationMs: 0, summary: refusal, differences: [] }
    : await support.verify(backupPath, manifest, ctx).catch((err: unknown) => {
        throw lostOnTheWay(err, ctx, 'Verify', 'The backup was not judged; its manifest is unchanged.');
      });
  await recordVerification(backupPath, manifest, result);
  return result;
}

export async function recordVerification(backupPath: string, manifest: BackupManifest, result: VerifyResult): Promise<BackupManifest> {
  const updated: BackupManifest = { ...manifest, verification: result };
  await writeFileAtomic(`${backupPath}${MANIFEST_SUFFIX}`, `${JSON.stringify(updated, null, 2)}\n`);
  return updated;
}

export async function readManifest(file: string): Promise<BackupManifest | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<BackupManifest>;
    return m.manifestVersion === 1 && typeof m.file === 'string' && typeof m.connectionId === 'string' ? (m as BackupManifest) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The backups of one connection in `folder`, newest first: those whose
 * manifest names it (by id), and files matching its naming with no manifest
 * (from outside Upkeep). `database` narrows to one database's backups.
 */
export async function listBackups(folder: string, profile: ConnectionProfile, support: BackupSupport, database?: string): Promise<BackupEntry[]> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return [];
  }
  const present = new Set(names);
  const out: BackupEntry[] = [];
  const withManifest = new Set<string>();
  for (const name of names.filter((n) => n.endsWith(MANIFEST_SUFFIX) && !n.startsWith('.'))) {
    const manifest = await readManifest(path.join(folder, name));
    if (!manifest || manifest.connectionId !== profile.id || manifest.engine !== profile.engine) continue;
    const file = name.slice(0, -MANIFEST_SUFFIX.length);
    withManifest.add(file);
    if (!present.has(file) || manifest.file !== file) continue;
    if (database !== undefined && manifest.database !== database) continue;
    out.push({ path: path.join(folder, file), name: file, manifest, outside: false, takenAt: new Date(manifest.endedAt), sizeBytes: manifest.sizeBytes });
  }
  const extensions = support.formats.map((f) => f.extension);
  for (const name of names) {
    if (withManifest.has(name) || isPartialName(name) || name.startsWith('.')) continue;
    const match = matchBackupName(name, profile.name, extensions);
    if (!match) continue;
    if (database !== undefined && match.database !== slug(database)) continue;
    out.push({ path: path.join(folder, name), name, outside: true, takenAt: match.at, sizeBytes: await sizeOf(path.join(folder, name)) });
  }
  return out.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}

/**
 * Applies retention to one connection's (and database's) backups after a
 * verify: deletes the backups (and their manifests) that a verified newer
 * backup supersedes and no rule keeps. Returns what it deleted.
 */
export async function applyRetention(folder: string, profile: ConnectionProfile, support: BackupSupport, database: string | undefined, policy: RetentionPolicy, now = new Date()): Promise<{ deleted: string[]; reason: string }> {
  const entries = await listBackups(folder, profile, support, database);
  const choice = chooseRetired(entries, policy, now);
  const deleted: string[] = [];
  for (const e of choice.retire) {
    await fs.rm(e.path, { recursive: true, force: true });
    await fs.rm(`${e.path}${MANIFEST_SUFFIX}`, { force: true });
    deleted.push(e.name);
  }
  return { deleted, reason: choice.reason };
}
