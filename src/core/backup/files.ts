/**
 * The file side of the catalog: hashing, sizes, and putting a finished backup
 * under its final name without ever overwriting anything and without a half
 * file ever carrying that name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BackupShape } from './model';

export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir`, as paths relative to it with `/`, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

/** The SHA-256 of a file, or of each file of a folder (relative path → hex). */
export async function sha256Of(p: string, shape: BackupShape): Promise<string | Record<string, string>> {
  if (shape === 'file') return sha256File(p);
  const out: Record<string, string> = {};
  for (const rel of await filesUnder(p)) out[rel] = await sha256File(path.join(p, rel));
  return out;
}

/** Bytes of a file, or of every file under a folder; 0 when it does not exist (yet). */
export async function sizeOf(p: string): Promise<number> {
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const rel of await filesUnder(p).catch(() => [])) total += await fs.stat(path.join(p, rel)).then((s) => s.size, () => 0);
  return total;
}

/** Whether the hashes match what the manifest recorded; the names of files that differ. */
export async function checkHashes(p: string, shape: BackupShape, recorded: string | Record<string, string>): Promise<string[]> {
  const now = await sha256Of(p, shape);
  if (typeof recorded === 'string' || typeof now === 'string') return now === recorded ? [] : [path.basename(p)];
  const names = new Set([...Object.keys(recorded), ...Object.keys(now)]);
  return [...names].filter((n) => recorded[n] !== now[n]).sort();
}

/**
 * Puts `temp` under `final` only if nothing has that name. A file is
 * hard-linked (link fails on an existing name) and the temporary name
 * removed; a folder gets `final` created exclusively, then the finished
 * folder renamed over that empty folder of ours. Throws EEXIST when taken.
 */
export async function claimFinalName(temp: string, final: string, shape: BackupShape): Promise<void> {
  if (shape === 'directory') {
    await fs.mkdir(final);
    try {
      await fs.rename(temp, final);
    } catch (err) {
      await fs.rmdir(final).catch(() => undefined);
      throw err;
    }
    return;
  }
  try {
    await fs.link(temp, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // File systems without hard links: check, then rename (a narrow race, but never a half file).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    if (await exists(final)) throw Object.assign(new Error(`${final} exists`), { code: 'EEXIST' });
    await fs.rename(temp, final);
    return;
  }
  await fs.unlink(temp);
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false);
}

/** Writes a small file under a temporary name and renames it into place (used for manifests, which Upkeep may rewrite). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomSuffix()}.tmp`);
  try {
    await fs.writeFile(temp, text, { flag: 'wx' });
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

export async function removeQuietly(p: string): Promise<void> {
  await fs.rm(p, { recursive: true, force: true }).catch(() => undefined);
}
