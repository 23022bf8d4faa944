import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { freePort, MissingToolError, run, which } from './util';
import type { RunningService, ServicesInfo } from './types';

const PROJECT = path.resolve(__dirname, '../../../test/services/neo4j');

/** Builds the harness launcher once (Maven fetches Neo4j from Maven Central on the first run). */
export async function prepareNeo4j(): Promise<{ classpath: string }> {
  const cpFile = path.join(PROJECT, 'target', 'classpath.txt');
  const classes = path.join(PROJECT, 'target', 'classes', 'upkeep', 'services', 'Neo4jLauncher.class');
  const apoc = path.join(PROJECT, 'target', 'plugins');
  if (!fs.existsSync(cpFile) || !fs.existsSync(classes) || !fs.existsSync(apoc)) {
    const mvn = which('mvn');
    if (!mvn) throw new MissingToolError('Maven (mvn)', 'apt-get install -y maven openjdk-17-jdk-headless');
    await run(mvn, ['-q', '-B', '-f', path.join(PROJECT, 'pom.xml'), 'package', 'dependency:build-classpath', '-DincludeScope=runtime', `-Dmdep.outputFile=${cpFile}`]);
  }
  // APOC core is on the classpath (its extension factories load from there); the launcher's
  // --apoc flag also gives the server a plugin folder with it, which registers its procedures.
  return { classpath: `${path.join(PROJECT, 'target', 'classes')}:${fs.readFileSync(cpFile, 'utf8').trim()}` };
}

/**
 * Neo4j 5 through its test harness: Bolt on a free port, auth on, APOC core
 * loaded. The launcher prints one READY line and stops when its stdin closes,
 * so the server dies with the process that started it. `apoc: false` starts it
 * without APOC (no procedures registered), for tests of what works without it.
 */
export async function startNeo4j(root: string, opts: { apoc?: boolean } = {}): Promise<{ info: ServicesInfo['neo4j']; service: RunningService }> {
  const java = which('java');
  if (!java) throw new MissingToolError('Java 17 (java)', 'apt-get install -y openjdk-17-jdk-headless');
  const { classpath } = await prepareNeo4j();
  const dir = path.join(root, 'neo4j');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const log = fs.openSync(path.join(dir, 'launcher.log'), 'a');
  const child = spawn(
    java,
    ['-Xms256m', '-Xmx1g', '-XX:+UseSerialGC', '-cp', classpath, 'upkeep.services.Neo4jLauncher', '--bolt-port', String(port), '--password', password, '--data-dir', path.join(dir, 'data'), ...(opts.apoc === false ? [] : ['--apoc'])],
    { stdio: ['pipe', 'pipe', log] },
  );
  const { stdout, stdin } = child;
  if (!stdout || !stdin) throw new Error('could not open pipes to the Neo4j launcher');
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Neo4j did not report ready within 180 s; see ${path.join(dir, 'launcher.log')}`)), 180_000);
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /NEO4J_READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Neo4j launcher exited with ${String(code)}; see ${path.join(dir, 'launcher.log')}`));
    });
  });
  child.removeAllListeners('exit');
  let exited = false;
  child.on('exit', () => (exited = true));
  return {
    info: { host: '127.0.0.1', port, url, user: 'neo4j', password },
    service: {
      name: 'neo4j',
      stop: async () => {
        stdin.end();
        child.kill('SIGTERM');
        const deadline = Date.now() + 30_000;
        while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (!exited) child.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
