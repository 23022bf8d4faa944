/**
 * Client tools (pg_dump, redis-cli…) run as child processes: an argument
 * array with `shell: false` (no shell ever parses a name or a secret), the
 * environment given explicitly, stderr kept (its tail) for messages, an abort
 * that kills the child. Secrets travel only in the environment or in files
 * the engine writes with mode 0600, never in argv.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { Readable } from 'node:stream';
import * as path from 'node:path';
import { Cancelled } from '../errors';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 64 KB of stderr. */
  stderr: string;
  /** The last 64 KB of stdout. */
  stdout: string;
}

export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each stderr line as it comes (PostgreSQL's --verbose progress). */
  onStderrLine?: (line: string) => void;
  /** The child's pid, once started (tests read its /proc/<pid>/cmdline). */
  onSpawn?: (child: ChildProcess) => void;
  /** Extra work on abort before the kill (PostgreSQL: terminate the child's server backends). */
  onAbort?: () => Promise<void>;
  cwd?: string;
  /** What the child reads on stdin (default: nothing). */
  stdin?: Readable;
  /**
   * Run at the lowest CPU priority (nice 19): for work beside a transfer
   * (a checker reading the file as it arrives) that must not take the CPU
   * the transfer itself needs; it catches up once the transfer is done.
   */
  lowPriority?: boolean;
}

const TAIL = 64 * 1024;

/** Runs a tool to its end; rejects with Cancelled when aborted (after the child has exited). */
export function runChild(file: string, args: readonly string[], opts: ChildOptions): Promise<ChildRun> {
  if (opts.signal?.aborted) return Promise.reject(new Cancelled('Cancelled before it started.'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { env: opts.env, shell: false, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: opts.cwd, windowsHide: true });
    if (opts.stdin && child.stdin) {
      // A child that exits before reading everything (a checker that found an error) closes its end: not our error.
      child.stdin.on('error', () => undefined);
      opts.stdin.pipe(child.stdin);
    }
    let stderr = '';
    let stdout = '';
    let partial = '';
    let aborted = false;
    child.stdout?.on('data', (b: Buffer) => {
      stdout = (stdout + b.toString('utf8')).slice(-TAIL);
    });
    child.stderr?.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      stderr = (stderr + text).slice(-TAIL);
      if (!opts.onStderrLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onStderrLine(l);
    });
    const onAbort = (): void => {
      aborted = true;
      void (async () => {
        child.kill('SIGTERM');
        await opts.onAbort?.().catch(() => undefined);
        // A tool stuck in a write or a server wait gets no second chance.
        setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2_000).unref();
      })();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('spawn', () => {
      if (opts.lowPriority && child.pid !== undefined) {
        try {
          os.setPriority(child.pid, 19);
        } catch {
          // Not allowed here (or the child is already gone): it runs at the normal priority.
        }
      }
      opts.onSpawn?.(child);
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (partial && opts.onStderrLine) opts.onStderrLine(partial);
      if (aborted) reject(new Cancelled('Cancelled: the tool was stopped.'));
      else resolve({ code, signal, stderr, stdout });
    });
  });
}

/** The environment a tool gets: the editor's, without the variables named, plus `set`. */
export function childEnv(base: NodeJS.ProcessEnv, drop: (name: string) => boolean, set: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!drop(k)) env[k] = v;
  for (const [k, v] of Object.entries(set)) if (v !== undefined) env[k] = v;
  return env;
}

/** An argument vector as a readable command line (for the history and the log): quoted where a shell would need it. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellQuote).join(' ');
}

function shellQuote(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The last meaningful lines of a tool's stderr, as one line for a message. */
export function stderrTail(stderr: string, lines = 3): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' · ');
}

/** The first executable `name` in `dirs`, then on PATH. */
export async function findExecutable(name: string, dirs: readonly (string | undefined)[], envPath = process.env['PATH'] ?? ''): Promise<string | undefined> {
  for (const dir of [...dirs.filter((d): d is string => !!d), ...envPath.split(path.delimiter).filter(Boolean)]) {
    const file = path.join(dir, name);
    if (await fs.access(file, fs.constants.X_OK).then(() => true, () => false)) return file;
  }
  return undefined;
}
