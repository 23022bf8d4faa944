/**
 * Which pg_dump / pg_restore to run. The client must be at least the server's
 * major version (an older pg_dump refuses a newer server: "server version
 * mismatch"). Looked for in the folder the setting names (then only there:
 * the user chose it), else in /usr/lib/postgresql/<n>/bin and on PATH; the
 * one of the server's own major version is preferred, else the newest.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserFacingError } from '../../errors';
import { toolSetting, type ToolSettings } from '../../backup/model';

export type PgTool = 'pg_dump' | 'pg_restore';

export interface ToolVersion {
  /** Comparable like server_version_num's major part: 150000 for 15.x, 90600 for 9.6.x. */
  majorNum: number;
  /** "15.20". */
  text: string;
}

export interface FoundTool {
  path: string;
  version: ToolVersion;
}

/** `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → 15.20; also 9.6.24, 17beta1, 16rc1. */
export function parseToolVersion(output: string): ToolVersion | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?([a-z]+\d*)?/.exec(output);
  if (!m?.[1]) return undefined;
  const major = Number(m[1]);
  const second = m[2] !== undefined ? Number(m[2]) : 0;
  const text = m[0].replace(/^\(PostgreSQL\)\s+/, '');
  if (major >= 10) return { majorNum: major * 10_000, text };
  return { majorNum: major * 10_000 + second * 100, text };
}

/** server_version_num → its major part (150020 → 150000; 90624 → 90600). */
export function serverMajorNum(versionNum: number): number {
  return versionNum >= 100_000 ? Math.floor(versionNum / 10_000) * 10_000 : Math.floor(versionNum / 100) * 100;
}

/** "15", "9.6". */
export function majorText(majorNum: number): string {
  return majorNum >= 100_000 ? String(majorNum / 10_000) : `${Math.floor(majorNum / 10_000)}.${(majorNum % 10_000) / 100}`;
}

/** Among tools found, the one to use for a server; undefined when none is recent enough. */
export function chooseTool(found: readonly FoundTool[], serverVersionNum: number): FoundTool | undefined {
  const need = serverMajorNum(serverVersionNum);
  const fit = found.filter((t) => t.version.majorNum >= need);
  return fit.find((t) => t.version.majorNum === need) ?? [...fit].sort((a, b) => b.version.majorNum - a.version.majorNum)[0];
}

/** The message when no tool fits: the version needed and how to get it. */
export function versionMessage(tool: PgTool, found: readonly FoundTool[], serverVersionNum: number, settingDir: string | undefined): string {
  const need = majorText(serverMajorNum(serverVersionNum));
  const where = settingDir ? `in ${settingDir} (upkeep.backup.pgBinDir)` : 'on PATH or in /usr/lib/postgresql/*/bin';
  const newest = [...found].sort((a, b) => b.version.majorNum - a.version.majorNum)[0];
  const have = newest ? `the newest ${tool} ${where} is ${newest.version.text} (${newest.path})` : `no ${tool} was found ${where}`;
  return `The server runs PostgreSQL ${need} but ${have}: ${tool} must be version ${need} or newer. Install postgresql-client-${need} (apt-get install postgresql-client-${need}, or from apt.postgresql.org) or point upkeep.backup.pgBinDir at its bin folder.`;
}

async function isExecutable(p: string): Promise<boolean> {
  return fs.access(p, fs.constants.X_OK).then(() => true, () => false);
}

function versionOf(file: string): Promise<ToolVersion | undefined> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: 10_000, shell: false }, (err, stdout) => resolve(err ? undefined : parseToolVersion(String(stdout))));
  });
}

/** Folders to look in, in order. */
export async function candidateDirs(settingDir: string | undefined, envPath: string | undefined, extra: readonly string[] = []): Promise<string[]> {
  if (settingDir) return [settingDir];
  const versioned = await fs.readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const dirs = [
    ...extra,
    ...versioned.filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`),
    ...(envPath ?? '').split(path.delimiter).filter(Boolean),
  ];
  return [...new Set(dirs)];
}

/** Every `tool` in those folders with its version (one per real file). */
export async function findTools(tool: PgTool, dirs: readonly string[]): Promise<FoundTool[]> {
  const seen = new Set<string>();
  const out: FoundTool[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, tool);
    if (!(await isExecutable(file))) continue;
    const real = await fs.realpath(file).catch(() => file);
    // Debian's /usr/bin/pg_dump is one wrapper for every version: keep it (it answers for the version it would run).
    if (seen.has(real) && !real.endsWith('pg_wrapper')) continue;
    seen.add(real);
    const version = await versionOf(file);
    if (version) out.push({ path: file, version });
  }
  return out;
}

/** Tools found per tool and folder list: asking each `--version` (Debian's wrapper is a Perl script) costs more than a small dump. */
const found = new Map<string, Promise<FoundTool[]>>();

/** The tool to run against a server of `serverVersionNum`, or a UserFacingError saying what to install. */
export async function resolveTool(tool: PgTool, serverVersionNum: number, settings: ToolSettings): Promise<FoundTool> {
  const pgBinDir = toolSetting(settings, 'pgBinDir');
  const dirs = await candidateDirs(pgBinDir, process.env['PATH'], settings.extraSearchDirs);
  const key = `${tool}\0${dirs.join('\0')}`;
  let tools = await (found.get(key) ?? Promise.resolve(undefined));
  let chosen = tools ? chooseTool(tools, serverVersionNum) : undefined;
  if (!chosen) {
    // Nothing cached fits: look again (a client may have been installed meanwhile).
    const scan = findTools(tool, dirs);
    found.set(key, scan);
    tools = await scan;
    chosen = chooseTool(tools, serverVersionNum);
  }
  if (!chosen) throw new UserFacingError(versionMessage(tool, tools ?? [], serverVersionNum, pgBinDir));
  return chosen;
}
