/**
 * pg_dump inside the server's own container, when the connection was made
 * from a container Upkeep knows (`profile.container`) and that container
 * runs: its pg_dump matches its server, which a machine's client often does
 * not. Chosen when the local pg_dump is missing or older than the server, or
 * always with `upkeep.backup.pgDumpInContainer: "prefer"` ("never" turns it
 * off). The dump (custom format) streams from the exec's stdout into the
 * temporary file; the password travels in the exec's environment
 * (PGPASSWORD), never in argv, on the host or in the container. Cancel
 * terminates the dump's backends and stops the exec's process.
 */
import * as fs from 'node:fs';
import type { BackupContext, BackupOptions } from '../../backup/model';
import type { ContainerAccess } from '../../backup/container';
import { toolSetting } from '../../backup/model';
import type { ChildRun } from '../../backup/childProcess';
import { commandLine } from '../../backup/childProcess';
import { UserFacingError } from '../../errors';
import { DEFAULT_PORT } from '../port';
import { sslMode } from './args';
import { verboseProgress } from './session';
import { majorText, parseToolVersion, resolveTool, serverMajorNum, type FoundTool, type ToolVersion } from './tools';

export type ContainerPreference = 'auto' | 'prefer' | 'never';

export interface DumpRun {
  database: string;
  applicationName: string;
  ctx: BackupContext;
  /** Stops the dump's server side (its backends). */
  onAbort: () => Promise<void>;
}

/** pg_dump run in the server's container. */
export interface ContainerDump {
  access: ContainerAccess;
  version: ToolVersion;
  /** Why the container's pg_dump was used (a note in the manifest). */
  why: string;
  run(file: string, args: readonly string[], r: DumpRun): Promise<ChildRun>;
  commandText(args: readonly string[], file: string): string;
}

/** Where pg_dump runs: the local tool, or the container's (then `tool` describes it). */
export interface DumpRoute {
  tool: FoundTool;
  container?: ContainerDump;
}

export function containerPreference(ctx: BackupContext): ContainerPreference {
  const v = toolSetting(ctx.tools, 'pgDumpInContainer');
  return v === 'prefer' || v === 'never' ? v : 'auto';
}

/** The container's `pg_dump --version`, or undefined when it has none. */
async function containerToolVersion(access: ContainerAccess, signal: AbortSignal | undefined): Promise<ToolVersion | undefined> {
  try {
    const r = await access.exec(['pg_dump', '--version'], signal ? { signal } : {});
    return r.exitCode === 0 ? parseToolVersion(r.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** Without --file: the custom format goes to stdout, which the exec streams into the file. */
function stdoutArgs(args: readonly string[]): string[] {
  const out = [...args];
  const at = out.indexOf('--file');
  if (at >= 0) out.splice(at, 2);
  return out;
}

function containerDump(access: ContainerAccess, version: ToolVersion, why: string): ContainerDump {
  return {
    access,
    version,
    why,
    async run(file, args, r) {
      const p = r.ctx.profile;
      const port = await access.innerPort(p.port ?? DEFAULT_PORT, DEFAULT_PORT);
      // The server is reached on the container's own loopback; its certificate names the outside host, so TLS is required but not checked against a name.
      const env = {
        PGHOST: '127.0.0.1',
        PGPORT: String(port),
        PGUSER: p.user,
        PGDATABASE: r.database,
        PGAPPNAME: r.applicationName,
        PGSSLMODE: p.tls === 'disable' ? sslMode(p.tls) : 'require',
        PGCONNECT_TIMEOUT: String(Math.max(2, Math.ceil(p.connectTimeoutMs / 1000))),
        PGPASSWORD: r.ctx.password,
      };
      const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
      try {
        const res = await access.exec(['pg_dump', ...stdoutArgs(args)], {
          env,
          stdout: out,
          onStderrLine: verboseProgress('pg_dump', r.ctx),
          onAbort: r.onAbort,
          ...(r.ctx.signal ? { signal: r.ctx.signal } : {}),
        });
        return { code: res.exitCode, signal: null, stderr: res.stderr, stdout: '' };
      } finally {
        await new Promise<void>((resolve) => (out.closed ? resolve() : out.end(() => resolve())));
      }
    },
    commandText: (args, file) => `docker exec -e PGPASSWORD=… -e PGHOST=127.0.0.1 … ${access.describe} ${commandLine('pg_dump', stdoutArgs(args))} > ${commandLine(file, [])}`,
  };
}

/**
 * Which pg_dump to run against a server of `serverVersionNum`: the local one
 * when it is recent enough (unless the setting prefers the container), else
 * the container's when the connection names a running container with a
 * recent enough pg_dump, else the local tool's message saying what to install.
 */
export async function chooseDumpRoute(ctx: BackupContext, serverVersionNum: number, options: BackupOptions): Promise<DumpRoute> {
  const preference = containerPreference(ctx);
  const local = await resolveTool('pg_dump', serverVersionNum, ctx.tools).then((t) => t, (err: unknown) => err as Error);
  const localOk = !(local instanceof Error);
  if (preference === 'never' || !ctx.profile.container || !ctx.container || (localOk && preference === 'auto')) {
    if (!localOk) throw local;
    return { tool: local };
  }
  const fallBack = (reason: string): DumpRoute => {
    if (localOk) return { tool: local };
    throw new UserFacingError(`${local.message} (${reason})`);
  };
  if (options.format === 'pg-directory') return fallBack('pg_dump inside the container writes the custom format only: the directory format needs a local pg_dump');
  const access = await ctx.container().catch(() => undefined);
  if (!access) return fallBack(`container "${ctx.profile.container.name}" is not running or its Docker connection is not available, so its pg_dump could not be used`);
  const version = await containerToolVersion(access, ctx.signal);
  const need = serverMajorNum(serverVersionNum);
  if (!version) return fallBack(`${access.describe} has no pg_dump`);
  if (version.majorNum < need) return fallBack(`the pg_dump in ${access.describe} is ${version.text}, older than the server's ${majorText(need)}`);
  const why = localOk ? 'upkeep.backup.pgDumpInContainer is "prefer"' : `no local pg_dump fits (${local.message.split(':')[0] ?? ''})`;
  return { tool: { path: `pg_dump in ${access.describe}`, version }, container: containerDump(access, version, why) };
}
