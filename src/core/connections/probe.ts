import * as net from 'node:net';
import { type ConnectionProfile, describeTarget } from './profile';
import { engineModule } from '../engines';
import { type ConnectionProblem, describeConnectionError } from './errors';
import { type Logger, silentLogger } from '../log';
import { errorDetail, redact } from './redact';

export type ProbeResult =
  | { ok: true; summary: string; durationMs: number }
  | { ok: false; problem: ConnectionProblem; durationMs: number };

/**
 * "Test connection": connects, authenticates, reads the server version, closes.
 * Never throws; a failure comes back as a one-line problem, the detail goes to the log.
 */
export async function probeConnection(profile: ConnectionProfile, password: string | undefined, log: Logger = silentLogger, otherSecrets: readonly string[] = []): Promise<ProbeResult> {
  const secrets = [password, ...otherSecrets];
  const started = Date.now();
  try {
    const engine = engineModule(profile.engine);
    const summary = await withDeadline(engine.probe(profile, password), profile.connectTimeoutMs + 2_000);
    log.info(`Test connection ${profile.name} (${engine.label}): ${summary}`);
    return { ok: true, summary, durationMs: Date.now() - started };
  } catch (err) {
    let problem = describeConnectionError(profile, err, secrets);
    if (problem.kind === 'timeout' && profile.tls !== 'disable' && profile.host && (await tcpAnswers(profile.host, profile.port ?? engineModule(profile.engine).defaultPort))) {
      // The port takes TCP connections but the TLS handshake never finished: a plain-text
      // server reading our ClientHello as a partial command (Redis does exactly this).
      problem = { kind: 'tls-refused', message: `${engineModule(profile.engine).label} at ${describeTarget(profile)} accepted the connection but never answered the TLS handshake: it probably does not speak TLS on this port. Set TLS to "disable", or enable TLS on the server.` };
    }
    log.error(`Test connection ${profile.name} failed (${problem.kind}): ${redact(errorDetail(err), secrets)}`);
    return { ok: false, problem, durationMs: Date.now() - started };
  }
}

/** Rejects with a timeout error when the promise takes longer than `ms`; drivers' own timeouts do not cover every stage. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** True when a plain TCP connection to host:port opens within `ms`. */
function tcpAnswers(host: string, port: number, ms = 1_500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
