/** Redis' client tools for backups: where they are, redis-cli's arguments and environment, redis-check-rdb's verdict. */
import { toolSetting, type BackupContext, type ToolSettings } from '../backup/model';
import { childEnv, findExecutable, runChild, stderrTail } from '../backup/childProcess';
import { DEFAULT_PORT } from './port';

export async function redisTool(name: 'redis-cli' | 'redis-server' | 'redis-check-rdb', tools: ToolSettings): Promise<string | undefined> {
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

/** redis-check-rdb's verdict: ok, its error lines, and how many keys had already expired (relative to now). */
export async function checkRdb(checker: string, file: string, signal?: AbortSignal): Promise<{ ok: boolean; message: string; alreadyExpired: number; keys: number }> {
  const run = await runChild(checker, [file], { env: childEnv(process.env, () => false, {}), ...(signal ? { signal } : {}) });
  const out = `${run.stdout}\n${run.stderr}`;
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
  const ok = run.code === 0 && out.includes('RDB looks OK');
  const errors = out.split('\n').filter((l) => /error|CRC|Unexpected|Wrong|Can't/i.test(l) && !l.startsWith('[info]'));
  return { ok, message: ok ? 'RDB looks OK' : stderrTail(errors.join('\n') || out, 4), alreadyExpired: num(/\[info\] (\d+) already expired/), keys: num(/\[info\] (\d+) keys read/) };
}

