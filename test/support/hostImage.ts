/**
 * Images made from this machine's own programs, for tests of features that
 * run a database's tools inside its container (there is no registry here):
 * each program and every library `ldd` lists for it are copied into a root
 * file system with busybox (sh, sleep, kill…), which `docker import` turns
 * into an image.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';

export interface ImageFile {
  /** The file on this machine (symbolic links are followed). */
  from: string;
  /** Where it goes in the image. */
  to: string;
  /** Also copy the libraries it needs. */
  withLibraries?: boolean;
  mode?: number;
}

/** The shared libraries `ldd` lists for a program or library. */
export function librariesOf(program: string): string[] {
  const out = execFileSync('ldd', [program], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

function place(root: string, from: string, to: string, mode?: number): void {
  const dest = path.join(root, to);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (fs.existsSync(dest)) return;
  fs.copyFileSync(fs.realpathSync(from), dest);
  fs.chmodSync(dest, mode ?? fs.statSync(fs.realpathSync(from)).mode & 0o777);
}

/** Builds `repoTag` from busybox and `files` (plus what `contents` writes, with the image settings `changes`), and returns it. */
export async function importHostImage(docker: Dockerode, repoTag: string, files: ImageFile[], contents: Record<string, string> = {}, changes: string[] = ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["/bin/sh"]']): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-image-'));
  try {
    const root = path.join(dir, 'rootfs');
    for (const d of ['bin', 'tmp', 'data', 'etc']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
    if (!busybox) throw new Error('busybox is needed to build a test image: apt-get install -y busybox-static');
    place(root, busybox, 'bin/busybox', 0o755);
    for (const tool of ['sh', 'sleep', 'kill', 'ls', 'cat', 'ps', 'rm', 'echo', 'true', 'env', 'grep', 'sed', 'cp', 'mkdir', 'ln']) fs.symlinkSync('busybox', path.join(root, 'bin', tool));
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\n');
    for (const f of files) {
      place(root, f.from, f.to, f.mode);
      if (f.withLibraries) for (const lib of librariesOf(f.from)) place(root, lib, lib.replace(/^\//, ''));
    }
    for (const [to, text] of Object.entries(contents)) {
      fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
      // Scripts (a #! line) are made executable.
      fs.writeFileSync(path.join(root, to), text, { mode: text.startsWith('#!') ? 0o755 : 0o644 });
    }
    const tarball = path.join(dir, 'rootfs.tar');
    execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
    const [repo, tag] = repoTag.split(':');
    const stream = await docker.importImage(tarball, { repo, tag, changes } as unknown as Parameters<Dockerode['importImage']>[1]);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    return repoTag;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
