/**
 * What a Docker engine holds, as Upkeep shows it: containers (grouped by
 * Compose project), images, volumes and networks (the disk-usage summary of
 * `system df` is in diskUsage.ts). The mapping functions are pure (unit-tested on the engine's
 * JSON); the readers take a dockerode client.
 */
import type Dockerode from 'dockerode';

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
/** Set by engines since API 1.42 on volumes made for a container's anonymous mounts. */
export const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';
/** Networks every engine has; prune never removes them. */
export const PREDEFINED_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none', 'ingress', 'docker_gwbridge']);

export type Labels = Record<string, string>;

export interface DockerPort {
  privatePort: number;
  /** The host port, when published. */
  publicPort?: number;
  /** The host address it is published on ('0.0.0.0', '::', '127.0.0.1'…). */
  ip?: string;
  type: string;
}

export interface DockerMount {
  type: string;
  /** A volume's name. */
  name?: string;
  source?: string;
  destination: string;
}

export interface DockerContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  imageId: string;
  /** created, running, paused, restarting, removing, exited, dead */
  state: string;
  /** The engine's own words: "Up 3 hours (healthy)", "Exited (0) 2 minutes ago". */
  status: string;
  health?: 'healthy' | 'unhealthy' | 'starting';
  /** Unix seconds. */
  created: number;
  project?: string;
  service?: string;
  command: string;
  ports: DockerPort[];
  labels: Labels;
  mounts: DockerMount[];
  networks: string[];
  networkMode?: string;
}

export interface DockerImage {
  id: string;
  /** repo:tag names (none for a dangling image). */
  tags: string[];
  digests: string[];
  dangling: boolean;
  size: number;
  sharedSize?: number;
  /** Unix seconds. */
  created: number;
  labels: Labels;
  /** Names of the containers (any state) made from it. */
  usedBy: string[];
}

export interface DockerVolume {
  name: string;
  driver: string;
  /** Bytes, from `system df` (absent when the engine did not measure it). */
  size?: number;
  /** How many containers reference it, from `system df`. */
  refCount?: number;
  anonymous: boolean;
  labels: Labels;
  createdAt?: string;
  mountpoint?: string;
  /** Names of the containers (any state) that mount it. */
  usedBy: string[];
}

export interface DockerNetwork {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  labels: Labels;
  /** The engine's own networks (bridge, host, none): never pruned. */
  predefined: boolean;
  /** Names of the containers attached (any state), and of the running ones. */
  containers: string[];
  running: string[];
}

// ---------------------------------------------------------------- mapping (pure)

/** The engine's JSON, read field by field (shared with diskUsage.ts). */
export type Raw = Record<string, unknown>;
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const labelsOf = (v: unknown): Labels => {
  const out: Labels = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v as Raw)) if (typeof x === 'string') out[k] = x;
  return out;
};
export const list = (v: unknown): Raw[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Raw[]) : []);

/** A container's name as people write it: the first of its names, without the leading slash. */
export function containerName(names: unknown, id: string): string {
  const first = Array.isArray(names) ? names.find((n): n is string => typeof n === 'string') : undefined;
  return first ? first.replace(/^\//, '') : id.slice(0, 12);
}

/** The health word in the engine's status text ("Up 2 minutes (healthy)", "(health: starting)"). */
export function healthOf(status: string): DockerContainer['health'] {
  if (/\(healthy\)/.test(status)) return 'healthy';
  if (/\(unhealthy\)/.test(status)) return 'unhealthy';
  if (/\(health: starting\)/.test(status)) return 'starting';
  return undefined;
}

/** `GET /containers/json?all=1` → containers. */
export function mapContainers(raw: unknown): DockerContainer[] {
  return list(raw).map((c) => {
    const id = str(c['Id']);
    const labels = labelsOf(c['Labels']);
    const status = str(c['Status']);
    const settings = (c['NetworkSettings'] as Raw | undefined)?.['Networks'];
    const hostConfig = c['HostConfig'] as Raw | undefined;
    return {
      id,
      name: containerName(c['Names'], id),
      image: str(c['Image']),
      imageId: str(c['ImageID']),
      state: str(c['State']) || 'unknown',
      status,
      health: healthOf(status),
      created: num(c['Created']),
      project: labels[COMPOSE_PROJECT_LABEL] || undefined,
      service: labels[COMPOSE_SERVICE_LABEL] || undefined,
      command: str(c['Command']),
      ports: list(c['Ports']).map((p) => ({
        privatePort: num(p['PrivatePort']),
        ...(typeof p['PublicPort'] === 'number' ? { publicPort: p['PublicPort'] } : {}),
        ...(typeof p['IP'] === 'string' && p['IP'] ? { ip: p['IP'] } : {}),
        type: str(p['Type']) || 'tcp',
      })),
      labels,
      mounts: list(c['Mounts']).map((m) => ({
        type: str(m['Type']),
        ...(str(m['Name']) ? { name: str(m['Name']) } : {}),
        ...(str(m['Source']) ? { source: str(m['Source']) } : {}),
        destination: str(m['Destination']),
      })),
      networks: settings && typeof settings === 'object' ? Object.keys(settings) : [],
      ...(hostConfig && str(hostConfig['NetworkMode']) ? { networkMode: str(hostConfig['NetworkMode']) } : {}),
    };
  });
}

/** Whether a container counts as running for Docker's prune rules (running, paused and restarting ones are never pruned). */
export function isActive(state: string): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

/** Ports as `docker ps` prints them: `127.0.0.1:5432->5432/tcp, 6379/tcp`. */
export function portsText(ports: readonly DockerPort[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of ports) {
    const text = p.publicPort !== undefined ? `${p.ip && p.ip !== '0.0.0.0' && p.ip !== '::' ? `${p.ip.includes(':') ? `[${p.ip}]` : p.ip}:` : ''}${p.publicPort}->${p.privatePort}/${p.type}` : `${p.privatePort}/${p.type}`;
    if (!seen.has(text)) parts.push(text);
    seen.add(text);
  }
  return parts.join(', ');
}

export const NONE_TAG = '<none>:<none>';
const NONE_DIGEST = '<none>@<none>';

/** `GET /images/json` (+ the containers, for "used by") → images. */
export function mapImages(raw: unknown, containers: readonly DockerContainer[] = []): DockerImage[] {
  const users = new Map<string, string[]>();
  for (const c of containers) users.set(c.imageId, [...(users.get(c.imageId) ?? []), c.name]);
  return list(raw).map((i) => {
    const id = str(i['Id']);
    const tags = (Array.isArray(i['RepoTags']) ? (i['RepoTags'] as unknown[]) : []).filter((t): t is string => typeof t === 'string' && t !== NONE_TAG);
    const digests = (Array.isArray(i['RepoDigests']) ? (i['RepoDigests'] as unknown[]) : []).filter((t): t is string => typeof t === 'string' && t !== NONE_DIGEST);
    return {
      id,
      tags,
      digests,
      dangling: tags.length === 0,
      size: num(i['Size']),
      ...(typeof i['SharedSize'] === 'number' && i['SharedSize'] >= 0 ? { sharedSize: i['SharedSize'] } : {}),
      created: num(i['Created']),
      labels: labelsOf(i['Labels']),
      usedBy: users.get(id) ?? [],
    };
  });
}

/** A short image id, as `docker images` prints it. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Whether a volume was made for an anonymous mount: the engine's label (API 1.42+), or a 64-hex name (what older engines give them). */
export function isAnonymousVolume(name: string, labels: Labels): boolean {
  return ANONYMOUS_VOLUME_LABEL in labels || /^[0-9a-f]{64}$/.test(name);
}

/** `GET /volumes` + the volumes of `system df` + the containers → volumes with size, ref count and users. */
export function mapVolumes(raw: unknown, df: unknown, containers: readonly DockerContainer[] = []): DockerVolume[] {
  const vols = list((raw as Raw | undefined)?.['Volumes'] ?? raw);
  const usage = new Map<string, { size?: number; refCount?: number }>();
  for (const v of list((df as Raw | undefined)?.['Volumes'])) {
    const u = v['UsageData'] as Raw | undefined;
    const size = typeof u?.['Size'] === 'number' && u['Size'] >= 0 ? u['Size'] : undefined;
    const refCount = typeof u?.['RefCount'] === 'number' && u['RefCount'] >= 0 ? u['RefCount'] : undefined;
    usage.set(str(v['Name']), { size, refCount });
  }
  const users = new Map<string, string[]>();
  for (const c of containers) for (const m of c.mounts) if (m.type === 'volume' && m.name) users.set(m.name, [...(users.get(m.name) ?? []), c.name]);
  return vols.map((v) => {
    const name = str(v['Name']);
    const labels = labelsOf(v['Labels']);
    const u = usage.get(name);
    return {
      name,
      driver: str(v['Driver']) || 'local',
      ...(u?.size !== undefined ? { size: u.size } : {}),
      ...(u?.refCount !== undefined ? { refCount: u.refCount } : {}),
      anonymous: isAnonymousVolume(name, labels),
      labels,
      ...(str(v['CreatedAt']) ? { createdAt: str(v['CreatedAt']) } : {}),
      ...(str(v['Mountpoint']) ? { mountpoint: str(v['Mountpoint']) } : {}),
      usedBy: users.get(name) ?? [],
    };
  });
}

/** Whether nothing references a volume: the engine's ref count when it gave one, otherwise no container mounts it. */
export function volumeUnused(v: Pick<DockerVolume, 'refCount' | 'usedBy'>): boolean {
  return v.refCount !== undefined ? v.refCount === 0 : v.usedBy.length === 0;
}

/** `GET /networks` + the containers → networks with who is attached. */
export function mapNetworks(raw: unknown, containers: readonly DockerContainer[] = []): DockerNetwork[] {
  return list(raw).map((n) => {
    const name = str(n['Name']);
    const id = str(n['Id']);
    const attached = containers.filter((c) => c.networks.includes(name) || c.networkMode === name || c.networkMode === id);
    return {
      id,
      name,
      driver: str(n['Driver']),
      scope: str(n['Scope']) || 'local',
      internal: n['Internal'] === true,
      labels: labelsOf(n['Labels']),
      predefined: PREDEFINED_NETWORKS.has(name),
      containers: attached.map((c) => c.name),
      running: attached.filter((c) => isActive(c.state)).map((c) => c.name),
    };
  });
}

/** Containers in Compose projects (by the project label) and the rest, projects sorted by name. */
export function groupByProject<C extends Pick<DockerContainer, 'project' | 'name'>>(containers: readonly C[]): { projects: { project: string; containers: C[] }[]; loose: C[] } {
  const byProject = new Map<string, C[]>();
  const loose: C[] = [];
  for (const c of containers) {
    if (c.project) byProject.set(c.project, [...(byProject.get(c.project) ?? []), c]);
    else loose.push(c);
  }
  const byName = (a: C, b: C): number => a.name.localeCompare(b.name);
  return {
    projects: [...byProject.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([project, cs]) => ({ project, containers: cs.sort(byName) })),
    loose: loose.sort(byName),
  };
}

// ---------------------------------------------------------------- reading (dockerode)

export async function readContainers(docker: Dockerode): Promise<DockerContainer[]> {
  return mapContainers(await docker.listContainers({ all: true }));
}

export async function readImages(docker: Dockerode, containers?: readonly DockerContainer[]): Promise<DockerImage[]> {
  const [raw, cs] = await Promise.all([docker.listImages(), containers ? Promise.resolve(containers) : readContainers(docker)]);
  return mapImages(raw, cs);
}

export async function readVolumes(docker: Dockerode, df?: unknown, containers?: readonly DockerContainer[]): Promise<DockerVolume[]> {
  const [raw, dfRaw, cs] = await Promise.all([
    docker.listVolumes(),
    df !== undefined ? Promise.resolve(df) : docker.df() as Promise<unknown>,
    containers ? Promise.resolve(containers) : readContainers(docker),
  ]);
  return mapVolumes(raw, dfRaw, cs);
}

export async function readNetworks(docker: Dockerode, containers?: readonly DockerContainer[]): Promise<DockerNetwork[]> {
  const [raw, cs] = await Promise.all([docker.listNetworks(), containers ? Promise.resolve(containers) : readContainers(docker)]);
  return mapNetworks(raw, cs);
}

/** What the tree's first level shows (counts of each group), read at once: the four lists and the API version. */
export interface DockerOverview {
  containers: DockerContainer[];
  images: DockerImage[];
  /** `GET /volumes` as it came: sizes need `system df`, read only when volumes are shown. */
  volumesRaw: unknown;
  networks: DockerNetwork[];
  apiVersion: string;
}

export async function readOverview(docker: Dockerode): Promise<DockerOverview> {
  const [containersRaw, imagesRaw, volumesRaw, networksRaw, version] = await Promise.all([
    docker.listContainers({ all: true }), docker.listImages(), docker.listVolumes(), docker.listNetworks(), docker.version(),
  ]);
  const containers = mapContainers(containersRaw);
  return { containers, images: mapImages(imagesRaw, containers), volumesRaw, networks: mapNetworks(networksRaw, containers), apiVersion: version.ApiVersion };
}

/** The engine's API version as numbers ("1.41" → [1, 41]). */
export function apiVersionOf(text: string): [number, number] {
  const [major, minor] = text.split('.').map((x) => Number.parseInt(x, 10));
  return [Number.isFinite(major) ? (major as number) : 1, Number.isFinite(minor) ? (minor as number) : 0];
}

export function apiAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = apiVersionOf(version);
  return a > major || (a === major && b >= minor);
}
