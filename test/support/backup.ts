/** Helpers of the backup tests: the argv of this process' children as they run, a log that keeps its lines. */
import * as fs from 'node:fs';
import type { Logger } from '../../src/core/log';

export interface SeenChild {
  pid: number;
  argv: string[];
  /** Its environment's names and values (to find the PGPASSFILE it was given). */
  env: Record<string, string>;
  /** The highest nice value seen while it ran (a priority set just after the start is caught on a later look). */
  nice: number;
}

/** The nice value of a running process (field 19 of /proc/<pid>/stat). */
function niceOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** Whether `pid` descends from this process (other people's tools on a shared machine are not ours to judge). */
function descendsFromUs(pid: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === process.pid) return true;
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return false;
}

/** The children of this process (and their children) whose argv[0] ends with one of `names`. */
function scan(names: string[], seen: Map<number, SeenChild>): void {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!descendsFromUs(Number(entry))) continue;
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const exe = argv[0] ?? '';
      if (!names.some((n) => exe.endsWith(n) || argv.some((a) => a.endsWith(`/${n}`)))) continue;
      const known = seen.get(Number(entry));
      if (known) {
        known.nice = Math.max(known.nice, niceOf(known.pid));
        continue;
      }
      const env = Object.fromEntries(
        fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      seen.set(Number(entry), { pid: Number(entry), argv, env, nice: niceOf(Number(entry)) });
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Polls /proc every few ms while `work` runs; returns what it saw of the named tools. */
export async function watchChildren<T>(names: string[], work: () => Promise<T>): Promise<{ result: T; seen: SeenChild[] }> {
  const seen = new Map<number, SeenChild>();
  let running = true;
  const loop = (async () => {
    while (running) {
      scan(names, seen);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const result = await work();
    return { result, seen: [...seen.values()] };
  } finally {
    running = false;
    await loop;
  }
}

export function collectingLogger(lines: string[]): Logger {
  const add = (l: string): void => void lines.push(l);
  return { trace: add, debug: add, info: add, warn: add, error: add };
}

/** Flips a few bytes in the middle of a file. */
export function flipBytes(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const size = fs.fstatSync(fd).size;
    const at = Math.floor(size / 2);
    const b = Buffer.alloc(16);
    fs.readSync(fd, b, 0, 16, at);
    for (let i = 0; i < b.length; i++) b[i] = (b[i] ?? 0) ^ 0xff;
    fs.writeSync(fd, b, 0, 16, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every process' argv on this machine, as text, for the secret hunt. */
export function allCmdlines(): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      out.push(fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Every process' argv seen while `work` runs (polled), for the secret hunt. */
export async function watchCmdlines<T>(work: () => Promise<T>): Promise<{ result: T; cmdlines: Set<string> }> {
  const cmdlines = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const c of allCmdlines()) cmdlines.add(c);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await work(), cmdlines };
  } finally {
    running = false;
    await loop;
  }
}
