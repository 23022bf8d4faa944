/** Docker as an engine: a unix socket or a TCP address, no password, TLS from the URL scheme. */
import type { EngineModule, UrlFields } from '../engine';
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

  async openSession(profile) {
    const { DockerSession, openDocker } = await import('./connection');
    return new DockerSession(profile, await openDocker(profile));
  },
};
