/**
 * The disk-usage summary of `docker system df`, from `GET /system/df`: what
 * images, containers, volumes and the build cache hold, and what a prune
 * could reclaim. The mapping is pure (unit-tested on the engine's JSON).
 */
import type Dockerode from 'dockerode';
import { containerName, isActive, isAnonymousVolume, labelsOf, list, NONE_TAG, num, str, type Raw } from './resources';

export interface BuildCacheRecord {
  id: string;
  type: string;
  size: number;
  inUse: boolean;
  shared: boolean;
  description?: string;
  lastUsedAt?: string;
}

/** One line of `docker system df`. */
export interface UsageLine {
  count: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DiskUsage {
  images: UsageLine;
  containers: UsageLine;
  volumes: UsageLine;
  buildCache: UsageLine;
  total: number;
  reclaimable: number;
  /** The raw lists, for the per-kind children and prune planning. */
  imageSizes: { id: string; tags: string[]; size: number; sharedSize: number; containers: number }[];
  containerSizes: { id: string; name: string; state: string; sizeRw: number }[];
  volumeSizes: { name: string; size?: number; refCount?: number; anonymous: boolean }[];
  buildCacheRecords: BuildCacheRecord[];
}

/**
 * `GET /system/df` → the summary `docker system df` prints, with the same
 * rules: images' reclaimable space is the layers' size less what images in
 * use hold alone; containers' is the writable layers of stopped ones;
 * volumes' the size of those no container references; build cache's the
 * records not in use and not shared.
 */
export function mapDiskUsage(raw: unknown): DiskUsage {
  const df = (raw ?? {}) as Raw;
  const images = list(df['Images']).map((i) => ({
    id: str(i['Id']),
    tags: (Array.isArray(i['RepoTags']) ? (i['RepoTags'] as unknown[]) : []).filter((t): t is string => typeof t === 'string' && t !== NONE_TAG),
    size: num(i['Size']),
    sharedSize: Math.max(0, num(i['SharedSize'])),
    containers: Math.max(0, num(i['Containers'])),
  }));
  const layers = typeof df['LayersSize'] === 'number' ? df['LayersSize'] : images.reduce((s, i) => s + i.size - i.sharedSize, 0);
  const imagesUsed = images.filter((i) => i.containers > 0).reduce((s, i) => s + i.size - i.sharedSize, 0);
  const containers = list(df['Containers']).map((c) => ({
    id: str(c['Id']),
    name: containerName(c['Names'], str(c['Id'])),
    state: str(c['State']),
    sizeRw: Math.max(0, num(c['SizeRw'])),
  }));
  const volumes = list(df['Volumes']).map((v) => {
    const u = v['UsageData'] as Raw | undefined;
    const size = typeof u?.['Size'] === 'number' && u['Size'] >= 0 ? u['Size'] : undefined;
    const refCount = typeof u?.['RefCount'] === 'number' && u['RefCount'] >= 0 ? u['RefCount'] : undefined;
    return { name: str(v['Name']), size, refCount, anonymous: isAnonymousVolume(str(v['Name']), labelsOf(v['Labels'])) };
  });
  const cache: BuildCacheRecord[] = list(df['BuildCache']).map((b) => ({
    id: str(b['ID']),
    type: str(b['Type']),
    size: num(b['Size']),
    inUse: b['InUse'] === true,
    shared: b['Shared'] === true,
    ...(str(b['Description']) ? { description: str(b['Description']) } : {}),
    ...(str(b['LastUsedAt']) ? { lastUsedAt: str(b['LastUsedAt']) } : {}),
  }));
  const line = (count: number, active: number, size: number, reclaimable: number): UsageLine => ({ count, active, size, reclaimable: Math.max(0, reclaimable) });
  const imagesLine = line(images.length, images.filter((i) => i.containers > 0).length, layers, layers - imagesUsed);
  const containersLine = line(
    containers.length,
    containers.filter((c) => isActive(c.state)).length,
    containers.reduce((s, c) => s + c.sizeRw, 0),
    containers.filter((c) => !isActive(c.state)).reduce((s, c) => s + c.sizeRw, 0),
  );
  const volumesLine = line(
    volumes.length,
    volumes.filter((v) => (v.refCount ?? 0) > 0).length,
    volumes.reduce((s, v) => s + (v.size ?? 0), 0),
    volumes.filter((v) => v.refCount === 0).reduce((s, v) => s + (v.size ?? 0), 0),
  );
  const cacheLine = line(
    cache.length,
    cache.filter((b) => b.inUse).length,
    cache.filter((b) => !b.shared).reduce((s, b) => s + b.size, 0),
    cache.filter((b) => !b.inUse && !b.shared).reduce((s, b) => s + b.size, 0),
  );
  const all = [imagesLine, containersLine, volumesLine, cacheLine];
  return {
    images: imagesLine,
    containers: containersLine,
    volumes: volumesLine,
    buildCache: cacheLine,
    total: all.reduce((s, l) => s + l.size, 0),
    reclaimable: all.reduce((s, l) => s + l.reclaimable, 0),
    imageSizes: images,
    containerSizes: containers,
    volumeSizes: volumes,
    buildCacheRecords: cache,
  };
}

/** The engine's `system df` (it measures every volume and writable layer: seconds on a busy engine). */
export async function readDiskUsage(docker: Dockerode): Promise<{ raw: unknown; usage: DiskUsage }> {
  const raw: unknown = await docker.df();
  return { raw, usage: mapDiskUsage(raw) };
}
