/** Redis' client tools for backups: where they are, redis-cli's arguments and environment, redis-check-rdb's verdict. */
import { constants as fsConstants, createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toolSetting, type BackupContext, type ToolSettings } from '../backup/model';
import { childEnv, findExecutable, runChild, stderrTail } from '../backup/childProcess';
import { DEFAULT_PORT } from './port';

export async function redisTool(name: 'redis-cli' | 'redis-server' | 'redis-check-rdb', tools: ToolSettings): Promise<string | undefined> {
  if (tools.absentTools?.includes(name)) return undefined;
  return findExecutable(name, [toolSetting(tools, 'redisBinDir'), ...(tools.extraSearchDirs ?? []), '/usr/bin', '/usr/local/bin']);
}

/** redis-cli's connection arguments: host, port, user (not a secret), TLS. The password goes in REDISCLI_AUTH. */
export function redisCliArgs(ctx: Pick<BackupContext, 'profile'>): string[] {
  const p = ctx.profile;
  const args = ['-h', p.host ?? '127.0.0.1', '-p', String(p.port ?? DEFAULT_PORT)];
  if (p.user) args.push('--user', p.user);
  if (p.tls !== 'disable') {
    args.push('--tls');
    if (p.tls === 'require') args.push('--insecure');
    else if (p.host) args.push('--sni', p.host);
  }
  return args;
}

/** The child's environment: the editor's without any REDISCLI_* of its own, plus the password. */
export function redisCliEnv(password: string | undefined): NodeJS.ProcessEnv {
  return childEnv(process.env, (k) => k.startsWith('REDISCLI_'), { REDISCLI_AUTH: password });
}

/** redis-cli's failure in one line: its own progress lines (and the temporary file's name in them) left out. */
export function redisCliFailure(out: string): string {
  const chatter = /^(sending REPLCONF|SYNC sent to master|Transfer finished)/i;
  const lines = out.split('\n').map((l) => l.trim()).filter((l) => l && !chatter.test(l));
  return stderrTail(lines.join('\n')) || 'it printed nothing';
}

export interface RdbCheck {
  ok: boolean;
  message: string;
  alreadyExpired: number;
  keys: number;
}

/** redis-check-rdb's verdict: ok, its error lines, and how many keys had already expired (relative to now). */
export async function checkRdb(checker: string, file: string, signal?: AbortSignal): Promise<RdbCheck> {
  const run = await runChild(checker, [file], { env: childEnv(process.env, () => false, {}), ...(signal ? { signal } : {}) });
  return rdbVerdict(run.code, `${run.stdout}\n${run.stderr}`);
}

/**
 * redis-check-rdb reading the snapshot while it is transferred, through a
 * FIFO in a private folder (a child's stdin from Node is a socket, which
 * redis-check-rdb cannot open as a file): `write` each chunk in order, then
 * `end` for the verdict. A checker that stopped early (a broken file) takes no
 * more input; its verdict says why. Undefined where no FIFO can be made
 * (no mkfifo): the caller checks the finished file instead.
 */
export async function checkRdbStream(checker: string, signal?: AbortSignal): Promise<{ write(chunk: Buffer): Promise<void>; end(): Promise<RdbCheck> } | undefined> {
  const mkfifo = await findExecutable('mkfifo', ['/usr/bin', '/bin']);
  if (!mkfifo) return undefined;
  const env = childEnv(process.env, () => false, {});
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'upkeep-rdb-check-'));
  const fifo = path.join(dir, 'snapshot.rdb');
  const made = await runChild(mkfifo, ['-m', '600', fifo], { env }).catch(() => undefined);
  if (made?.code !== 0) {
    await fs.rm(dir, { recursive: true, force: true });
    return undefined;
  }
  // Below the transfer's priority: on a busy machine the snapshot arrives first and the check finishes just after.
  const done = runChild(checker, [fifo], { env, lowPriority: true, ...(signal ? { signal } : {}) });
  let exited = false;
  let opened = false;
  let broken = false;
  const out = createWriteStream(fifo);
  out.on('open', () => (opened = true));
  // The checker gone (it found an error, or was cancelled): writes fail with EPIPE; nothing more is sent.
  out.on('error', () => (broken = true));
  const closed = new Promise<void>((resolve) => out.once('close', resolve));
  void done
    .catch(() => undefined)
    .finally(async () => {
      exited = true;
      // A checker that exited before opening the FIFO would leave our open waiting for a reader: be that reader once.
      if (!opened) await fs.open(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK).then((h) => h.close(), () => undefined);
    });
  return {
    async write(chunk) {
      if (broken || exited) return;
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => {
          const go = (): void => {
            out.off('drain', go).off('close', go);
            resolve();
          };
          out.on('drain', go).on('close', go);
        });
      }
    },
    async end() {
      try {
        out.end();
        await closed;
        const run = await done;
        return rdbVerdict(run.code, `${run.stdout}\n${run.stderr}`);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
  };
}

function rdbVerdict(code: number | null, out: string): RdbCheck {
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
  const ok = code === 0 && out.includes('RDB looks OK');
  const errors = out.split('\n').filter((l) => /error|CRC|Unexpected|Wrong|Can't/i.test(l) && !l.startsWith('[info]'));
  return { ok, message: ok ? 'RDB looks OK' : stderrTail(errors.join('\n') || out, 4), alreadyExpired: num(/\[info\] (\d+) already expired/), keys: num(/\[info\] (\d+) keys read/) };
}

