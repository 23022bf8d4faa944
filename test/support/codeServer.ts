import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { freePort, waitFor } from '../services/util';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * Path of code-server's entry script, installing it into the cache on first
 * use (scripts/install-code-server.sh). Fails with what to run when it cannot.
 */
export function codeServerEntry(): Promise<string> {
  const fromEnv = process.env['UPKEEP_CODE_SERVER'];
  if (fromEnv && fs.existsSync(fromEnv)) return Promise.resolve(fromEnv);
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(REPO_ROOT, 'scripts', 'install-code-server.sh')], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const entry = stdout.trim().split('\n').pop() ?? '';
      if (err || !fs.existsSync(entry)) {
        reject(new Error(`code-server is missing and could not be installed (run bash scripts/install-code-server.sh to see why): ${String(stderr).trim().split('\n').slice(-5).join(' | ')}`));
      } else {
        resolve(entry);
      }
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  folder: string;
  /** Working folder for user data and extensions; created if missing. */
  stateDir: string;
  env?: Record<string, string>;
  /** User settings written before start. */
  settings?: Record<string, unknown>;
  /** A .vsix to install into the extensions folder before start. */
  vsix?: string;
  log?: (line: string) => void;
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')}: ${String(stderr) || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** Starts code-server (no auth, workspace trust off, telemetry off) on a free port on 127.0.0.1. */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const entry = await codeServerEntry();
  const userDataDir = path.join(opts.stateDir, 'user-data');
  const extensionsDir = path.join(opts.stateDir, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': false, 'git.openRepositoryInParentFolders': 'never', 'git.autoRepositoryDetection': false, ...opts.settings }, null, 2),
  );
  // code-server writes a config and logs under the XDG folders on every run: keep them in the state folder.
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(opts.stateDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(opts.stateDir, 'xdg-data'),
    ...opts.env,
    UPKEEP_USER_DATA_DIR: userDataDir,
  };
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (opts.vsix) {
    await runNode([entry, ...common, '--install-extension', opts.vsix, '--force'], env);
  }
  const port = await freePort();
  const logFile = path.join(opts.stateDir, 'code-server.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', ...common, opts.folder],
    { env, stdio: ['ignore', out, out] },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('code-server', async () => {
    if (exited) throw new Error(`code-server exited; see ${logFile}`);
    return httpOk(`${url}/healthz`);
  }, 60_000, 250);
  opts.log?.(`code-server ${url} (log ${logFile})`);
  return {
    url,
    port,
    userDataDir,
    extensionsDir,
    process: child,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      await waitFor('code-server exit', () => Promise.resolve(exited), 10_000).catch(() => child.kill('SIGKILL'));
    },
  };
}
