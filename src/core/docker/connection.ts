import type Dockerode from 'dockerode';
import { loadDockerode } from '../drivers';
import type { ConnectionProfile } from '../connections/profile';
import type { EngineSession } from '../engine';

import { DEFAULT_PORT } from './port';

export { DEFAULT_PORT };

export async function openDocker(profile: ConnectionProfile): Promise<Dockerode> {
  const Docker = await loadDockerode();
  if (profile.socketPath) return new Docker({ socketPath: profile.socketPath, timeout: profile.connectTimeoutMs });
  return new Docker({
    host: profile.host,
    port: profile.port ?? DEFAULT_PORT,
    protocol: profile.tls === 'disable' ? 'http' : 'https',
    timeout: profile.connectTimeoutMs,
  });
}

export interface DockerServerInfo {
  version: string;
  apiVersion: string;
  os: string;
}

export async function dockerServerInfo(docker: Dockerode): Promise<DockerServerInfo> {
  const v = await docker.version();
  return { version: v.Version, apiVersion: v.ApiVersion, os: `${v.Os}/${v.Arch}` };
}

/** What the editor keeps open per Docker connection: the API client (no socket stays open between calls). */
export class DockerSession implements EngineSession {
  constructor(
    readonly profile: ConnectionProfile,
    readonly docker: Dockerode,
  ) {}

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
