import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, MissingToolError, waitFor } from './util';
import type { RunningService, ServicesInfo } from './types';

/**
 * The binaries themselves, not /usr/sbin's wrappers: as root those switch to
 * the `rabbitmq` user and its cookie and then cannot reach a private node.
 */
const BIN = '/usr/lib/rabbitmq/bin';

/** GET /api/overview with Basic auth; true on 200. */
async function overviewAnswers(port: number, user: string, password: string): Promise<boolean> {
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const res = await fetch(`http://127.0.0.1:${port}/api/overview`, { headers: { authorization: auth }, signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/**
 * A throwaway RabbitMQ node beside the machine's own (which runs on 5672
 * without the management plugin and is left alone): its own node name, HOME
 * (Erlang cookie), data and log folders, free AMQP, distribution and
 * management ports on 127.0.0.1, the management plugin enabled offline and an
 * administrator with a password. Stopped with SIGTERM, folder removed.
 */
export async function startRabbitMq(root: string, name = 'rabbitmq'): Promise<{ info: ServicesInfo['rabbitmq']; service: RunningService }> {
  const server = path.join(BIN, 'rabbitmq-server');
  if (!fs.existsSync(server)) throw new MissingToolError('RabbitMQ (rabbitmq-server)', 'apt-get install -y rabbitmq-server');
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const [amqpPort, distPort, managementPort] = [await freePort(), await freePort(), await freePort()];
  const user = 'upkeep-admin';
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const node = `upkeep-${process.pid}-${Math.random().toString(36).slice(2, 8)}@localhost`;
  fs.writeFileSync(path.join(dir, '.erlang.cookie'), `UPKEEP${Math.random().toString(36).slice(2, 18).toUpperCase()}`, { mode: 0o400 });
  const envFile = path.join(dir, 'rabbitmq-env.conf');
  fs.writeFileSync(envFile, '');
  const plugins = path.join(dir, 'enabled_plugins');
  fs.writeFileSync(plugins, '[rabbitmq_management].\n');
  const conf = path.join(dir, 'rabbitmq.conf');
  fs.writeFileSync(
    conf,
    [
      `listeners.tcp.local = 127.0.0.1:${amqpPort}`,
      'management.tcp.ip = 127.0.0.1',
      `management.tcp.port = ${managementPort}`,
      `default_user = ${user}`,
      `default_pass = ${password}`,
      'default_user_tags.administrator = true',
      'default_permissions.configure = .*',
      'default_permissions.read = .*',
      'default_permissions.write = .*',
      // Message rates in the overview come from these samples; the test reads them quickly.
      'collect_statistics_interval = 1000',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const pidFile = path.join(dir, 'rabbit.pid');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: envFile,
    RABBITMQ_CONFIG_FILE: conf,
    RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_NODENAME: node,
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const out = fs.openSync(path.join(dir, 'server.log'), 'a');
  const child = spawn(server, [], { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    await waitFor('RabbitMQ management API', async () => {
      if (exited) throw new Error(`rabbitmq-server exited; see ${path.join(dir, 'server.log')}`);
      return overviewAnswers(managementPort, user, password);
    }, 90_000, 250);
  } catch (err) {
    if (!exited) process.kill(-child.pid!, 'SIGKILL');
    throw err;
  }
  const stop = async (): Promise<void> => {
    if (!exited) {
      // SIGTERM to the Erlang VM (its pid file) stops the node cleanly, without booting a CLI VM first.
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : child.pid!;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const deadline = Date.now() + 15_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    info: { host: '127.0.0.1', managementPort, amqpPort, user, password, node },
    service: { name, stop },
  };
}
