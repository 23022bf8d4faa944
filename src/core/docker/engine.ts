/** Docker as an engine: a unix socket or a TCP address, no password, TLS from the URL scheme. */
import type { EngineModule, ErrorFacts, UrlFields, WordedProblem } from '../engine';
import type { ConnectionProblem } from '../connections/errors';
import type { DockerSession } from './connection';
import type { TlsMode } from '../connections/profile';
import { ConnectionUrlError, redactUrl } from '../connections/urlText';
import { DEFAULT_PORT } from './port';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

function parseDockerUrl(scheme: string, text: string): UrlFields {
  if (scheme === 'unix:') {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new ConnectionUrlError('A Docker unix socket URL needs an absolute path, like unix:///var/run/docker.sock.');
    return { engine: 'docker', socketPath, tls: 'disable' };
  }
  if (scheme === 'npipe:') throw new ConnectionUrlError('Windows named pipes are not supported yet; use tcp:// or unix://.');
  let url: URL;
  try {
    url = new URL(text.replace(/^[^:]+:/, 'http:'));
  } catch {
    throw new ConnectionUrlError(`The Docker URL could not be read: check its host and port (${redactUrl(text)}).`);
  }
  const tls: TlsMode = scheme === 'https:' ? 'verify' : 'disable';
  const defaultPort = tls === 'disable' ? DEFAULT_PORT : 2376;
  return { engine: 'docker', host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort, tls };
}

/**
 * The engine's own answers: dockerode words an HTTP error "(HTTP code 409)
 * unexpected - <the engine's message>"; the engine's message is what to say.
 * A socket closed under a request means the engine went away mid-call.
 */
function describeError({ code, message }: ErrorFacts, ctx: { label: string; where: string }): ConnectionProblem | WordedProblem | undefined {
  const http = /^\(HTTP code (\d+)\)[^-]*-\s*(.*)$/s.exec(message);
  if (http) {
    const text = (http[2] ?? '').trim().split('\n')[0] ?? '';
    return { kind: http[1] === '403' ? 'permission' : 'other', message: `${ctx.label} at ${ctx.where}: ${text || `HTTP ${http[1] ?? ''}`}` };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) return 'connection-lost';
  return undefined;
}

export const dockerEngine: EngineModule = {
  id: 'docker',
  label: 'Docker',
  defaultPort: DEFAULT_PORT,
  urlSchemes: { 'unix:': { tls: 'disable' }, 'tcp:': { tls: 'disable' }, 'http:': { tls: 'disable' }, 'https:': { tls: 'verify' }, 'npipe:': { tls: 'disable' } },
  urlExample: 'unix:///var/run/docker.sock, tcp://host:2375 or DOCKER_HOST',
  usesPassword: false,
  asksTls: false,
  socket: { defaultPath: DEFAULT_DOCKER_SOCKET, prompt: 'Docker socket path (or host:port for TCP)' },
  fields: [],

  describeTarget(p) {
    return p.socketPath ? `unix://${p.socketPath}` : `${p.tls === 'disable' ? 'tcp' : 'https'}://${p.host ?? ''}:${p.port ?? DEFAULT_PORT}`;
  },
  defaultName(p) {
    return p.socketPath ? 'Local Docker' : `Docker ${p.host ?? ''}`;
  },
  validate(p) {
    return p.socketPath && !p.socketPath.startsWith('/') ? ['The Docker socket path must be absolute.'] : [];
  },
  parseSpecialUrl: parseDockerUrl,

  async probe(profile) {
    const { dockerServerInfo, openDocker } = await import('./connection');
    const info = await dockerServerInfo(await openDocker(profile));
    return `Docker Engine ${info.version} (API ${info.apiVersion}, ${info.os})`;
  },

  describeError,

  async openSession(profile) {
    const { DockerSession, openDocker } = await import('./connection');
    return new DockerSession(profile, await openDocker(profile));
  },

  async executor(session) {
    const { dockerExecutor } = await import('./executor');
    return dockerExecutor(session as DockerSession);
  },

  async backup() {
    return (await import('./backup')).dockerBackup;
  },

  async containerAccess(session, id) {
    const { containerAccessOf } = await import('./containerAccess');
    const s = session as DockerSession;
    return containerAccessOf(s.profile, s.docker, id);
  },

  async containerState(session, id) {
    const docker = (session as DockerSession).docker;
    try {
      const info = (await docker.getContainer(id).inspect()) as { State?: { Status?: string; Running?: boolean } };
      return { state: info.State?.Status ?? 'unknown', running: info.State?.Running === true };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  },
};
