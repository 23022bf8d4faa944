import type Dockerode from 'dockerode';
import { loadDockerode } from '../drivers';
import type { ConnectionProfile } from '../connections/profile';
import type { EngineSession } from '../engine';

import { DEFAULT_PORT } from './port';

export { DEFAULT_PORT };

/**
 * An API client for the profile. Requests give up after the connect timeout
 * of no traffic; `streaming` leaves that out, for a stream that is quiet for
 * long stretches (the event stream).
 */
export async function openDocker(profile: ConnectionProfile, options: { streaming?: boolean } = {}): Promise<Dockerode> {
  const Docker = await loadDockerode();
  const timeout = options.streaming ? {} : { timeout: profile.connectTimeoutMs };
  if (profile.socketPath) return new Docker({ socketPath: profile.socketPath, ...timeout });
  return new Docker({
    host: profile.host,
    port: profile.port ?? DEFAULT_PORT,
    protocol: profile.tls === 'disable' ? 'http' : 'https',
    ...timeout,
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
