import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { freePort, MissingToolError, run, waitFor, which } from './util';
import type { RunningService, ServicesInfo } from './types';

/** Sends one inline command and returns the first reply line (enough for AUTH/PING). */
function redisRoundTrip(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(lines.map((l) => `${l}\r\n`).join('')));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.split('\r\n').length > lines.length) {
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', reject);
  });
}

/** Redis on a free port with a password, nothing persisted. */
export async function startRedis(root: string): Promise<{ info: ServicesInfo['redis']; service: RunningService }> {
  const server = which('redis-server');
  if (!server) throw new MissingToolError('redis-server', 'apt-get install -y redis-server');
  const dir = path.join(root, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const pidfile = path.join(dir, 'redis.pid');
  await run(server, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password,
    '--daemonize', 'yes', '--pidfile', pidfile, '--dir', dir, '--logfile', path.join(dir, 'redis.log'),
  ]);
  await waitFor('Redis health check', async () => (await redisRoundTrip(port, [`AUTH ${password}`, 'PING'])).includes('+PONG'), 15_000);
  return {
    info: { host: '127.0.0.1', port, password },
    service: {
      name: 'redis',
      stop: async () => {
        const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        await waitFor('Redis shutdown', () => Promise.resolve(!fs.existsSync(pidfile)), 5_000).catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
