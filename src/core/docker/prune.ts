/**
 * What a prune will remove, worked out before it runs from the same data the
 * engine decides by (its container, image, volume and network lists and
 * `system df`), with Docker's rules:
 *
 * - containers: every one not running, paused or restarting;
 * - networks: not predefined (bridge, host, none…), local scope, no running
 *   container attached (stopped ones hold no endpoint);
 * - volumes: local driver, no container references it; since API 1.42 only
 *   anonymous ones unless `all` (older engines remove every unused volume, so
 *   "anonymous only" there removes the listed volumes one by one instead);
 * - images: not used by any container (any state); only dangling (untagged)
 *   ones unless `all`;
 * - build cache: records not in use (`--all`).
 *
 * "All" runs them in `docker system prune`'s order — containers first — so
 * what only a removed container used is removed too. Each prune carries an
 * `until` filter of the moment it was planned (volumes and build cache have
 * none), so nothing made after the preview goes.
 */
import { shellWord } from './cli';
import type { DockerContainer, DockerImage, DockerNetwork, DockerVolume } from './resources';
import type { DiskUsage } from './diskUsage';
import { apiAtLeast, isActive, shortId } from './resources';

export type PruneKind = 'containers' | 'networks' | 'volumes' | 'images' | 'build-cache';
/** docker system prune's order. */
export const PRUNE_ORDER: readonly PruneKind[] = ['containers', 'networks', 'volumes', 'images', 'build-cache'];

export interface PruneOptions {
  kinds: PruneKind[];
  /** Images: every unused one, not just dangling ones (`--all`). */
  allImages?: boolean;
  /** Volumes: named ones too (`--all`), not just anonymous ones. */
  allVolumes?: boolean;
}

export interface PruneInput {
  apiVersion: string;
  containers: readonly DockerContainer[];
  images: readonly DockerImage[];
  volumes: readonly DockerVolume[];
  networks: readonly DockerNetwork[];
  usage: DiskUsage;
  /** When the data was read (ms since the epoch): the prunes' `until`. */
  plannedAt: number;
}

export interface PruneItem {
  kind: PruneKind;
  /** What the engine reports as deleted: a container or image id, a volume or network name… */
  id: string;
  /** How people know it: a container's name, an image's tags, a volume's name. */
  label: string;
  /** Bytes it frees, when known. */
  size?: number;
  /** Volumes: it has a name of its own (not anonymous): the preview says so. */
  named?: boolean;
}

/** One call to the engine. */
export interface PruneStep {
  kind: PruneKind;
  /** The CLI equivalent, shown in the preview and kept in the history. */
  command: string;
  /** `prune`: the engine's prune with `filters`; `remove`: the listed volumes one by one (older engines, anonymous only). */
  mode: 'prune' | 'remove';
  filters: Record<string, string[]>;
  /** mode 'remove': the volume names. */
  names?: string[];
}

export interface PrunePlan {
  options: PruneOptions;
  items: PruneItem[];
  /** Bytes the listed items hold (what a prune can free; shared image layers are counted once). */
  bytes: number;
  steps: PruneStep[];
  plannedAt: number;
}

/** The engine's timestamp for `until`: seconds with milliseconds (Docker reads fractional seconds). */
export function untilText(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function filterFlags(filters: Record<string, string[]>): string {
  return Object.entries(filters).flatMap(([k, vs]) => vs.map((v) => ` --filter ${k}=${v}`)).join('');
}



export function planPrune(input: PruneInput, options: PruneOptions): PrunePlan {
  const kinds = new Set(options.kinds);
  const until = untilText(input.plannedAt);
  const items: PruneItem[] = [];
  const steps: PruneStep[] = [];
  const sizeRw = new Map(input.usage.containerSizes.map((c) => [c.id, c.sizeRw]));

  // Containers first: what only they used becomes unused for the later kinds.
  const removedContainers = new Set<string>();
  if (kinds.has('containers')) {
    for (const c of input.containers) {
      if (isActive(c.state)) continue;
      removedContainers.add(c.id);
      items.push({ kind: 'containers', id: c.id, label: c.name, size: sizeRw.get(c.id) ?? 0 });
    }
    const filters = { until: [until] };
    steps.push({ kind: 'containers', command: `docker container prune --force${filterFlags(filters)}`, mode: 'prune', filters });
  }
  const remaining = input.containers.filter((c) => !removedContainers.has(c.id));
  const remainingNames = new Set(remaining.map((c) => c.name));

  if (kinds.has('networks')) {
    const running = new Set(remaining.filter((c) => isActive(c.state)).map((c) => c.name));
    for (const n of input.networks) {
      if (n.predefined || n.scope !== 'local') continue;
      if (n.containers.some((name) => running.has(name))) continue;
      items.push({ kind: 'networks', id: n.name, label: n.name });
    }
    const filters = { until: [until] };
    steps.push({ kind: 'networks', command: `docker network prune --force${filterFlags(filters)}`, mode: 'prune', filters });
  }

  if (kinds.has('volumes')) {
    const modern = apiAtLeast(input.apiVersion, 1, 42);
    const removedUsers = (v: DockerVolume): number => v.usedBy.filter((name) => !remainingNames.has(name)).length;
    const chosen = input.volumes.filter((v) => {
      if (v.driver !== 'local') return false;
      if (v.usedBy.some((name) => remainingNames.has(name))) return false;
      if (v.refCount !== undefined && v.refCount - removedUsers(v) > 0) return false;
      if (options.allVolumes) return true;
      // Since 1.42 the engine goes by its label; the one-by-one removal on older engines by the anonymous test.
      return modern ? 'com.docker.volume.anonymous' in v.labels : v.anonymous;
    });
    for (const v of chosen) items.push({ kind: 'volumes', id: v.name, label: v.anonymous ? `${v.name.slice(0, 12)} (anonymous)` : v.name, ...(v.size !== undefined ? { size: v.size } : {}), named: !v.anonymous });
    if (modern || options.allVolumes) {
      const filters: Record<string, string[]> = modern && options.allVolumes ? { all: ['true'] } : {};
      steps.push({ kind: 'volumes', command: `docker volume prune --force${modern && options.allVolumes ? ' --all' : ''}`, mode: 'prune', filters });
    } else {
      const names = chosen.map((v) => v.name);
      if (names.length) steps.push({ kind: 'volumes', command: `docker volume rm ${names.map(shellWord).join(' ')}`, mode: 'remove', filters: {}, names });
    }
  }

  if (kinds.has('images')) {
    const usedImages = new Set(remaining.map((c) => c.imageId));
    const shared = new Map(input.usage.imageSizes.map((i) => [i.id, i.sharedSize]));
    for (const i of input.images) {
      if (usedImages.has(i.id)) continue;
      if (!options.allImages && !i.dangling) continue;
      const size = Math.max(0, i.size - (shared.get(i.id) ?? i.sharedSize ?? 0));
      items.push({ kind: 'images', id: i.id, label: i.tags.length ? i.tags.join(', ') : `<none> ${shortId(i.id)}`, size });
    }
    const filters: Record<string, string[]> = { until: [until], ...(options.allImages ? { dangling: ['false'] } : {}) };
    steps.push({ kind: 'images', command: `docker image prune --force${options.allImages ? ' --all' : ''} --filter until=${until}`, mode: 'prune', filters });
  }

  if (kinds.has('build-cache')) {
    for (const b of input.usage.buildCacheRecords) {
      if (b.inUse) continue;
      items.push({ kind: 'build-cache', id: b.id, label: b.description ? `${b.type} ${b.description}` : `${b.type} ${b.id.slice(0, 12)}`, size: b.shared ? 0 : b.size });
    }
    steps.push({ kind: 'build-cache', command: 'docker builder prune --force --all', mode: 'prune', filters: {} });
  }

  steps.sort((a, b) => PRUNE_ORDER.indexOf(a.kind) - PRUNE_ORDER.indexOf(b.kind));
  items.sort((a, b) => PRUNE_ORDER.indexOf(a.kind) - PRUNE_ORDER.indexOf(b.kind));
  return { options, items, bytes: items.reduce((s, i) => s + (i.size ?? 0), 0), steps, plannedAt: input.plannedAt };
}

const KIND_WORDS: Record<PruneKind, [string, string]> = {
  containers: ['stopped container', 'stopped containers'],
  networks: ['unused network', 'unused networks'],
  volumes: ['volume', 'volumes'],
  images: ['image', 'images'],
  'build-cache': ['build cache record', 'build cache records'],
};

export function countWords(kind: PruneKind, n: number): string {
  const [one, many] = KIND_WORDS[kind];
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * The plan in words, one line per kind with every item named (up to `perKind`
 * each; the rest counted). Named volumes are always named, however many.
 */
export function describePlan(plan: PrunePlan, formatBytes: (n: number) => string, perKind = 25): string[] {
  const lines: string[] = [];
  for (const kind of PRUNE_ORDER) {
    if (!plan.options.kinds.includes(kind)) continue;
    const of = plan.items.filter((i) => i.kind === kind);
    if (!of.length) {
      lines.push(`${countWords(kind, 0)}`);
      continue;
    }
    const bytes = of.reduce((s, i) => s + (i.size ?? 0), 0);
    const shown = kind === 'volumes' ? [...of.filter((i) => i.named), ...of.filter((i) => !i.named).slice(0, perKind)] : of.slice(0, perKind);
    const names = shown.map((i) => `${i.label}${kind === 'volumes' && i.named ? ' (named)' : ''}${i.size ? ` ${formatBytes(i.size)}` : ''}`);
    const more = of.length - shown.length;
    lines.push(`${countWords(kind, of.length)}${bytes ? ` (${formatBytes(bytes)})` : ''}: ${names.join(', ')}${more > 0 ? `, and ${more} more` : ''}`);
  }
  return lines;
}

/** What a prune reported back, per kind. */
export interface PruneResult {
  kind: PruneKind;
  /** Ids and names the engine reported deleted (images: the image ids, not their untagged names or layers). */
  deleted: string[];
  /** Images: the names it untagged. */
  untagged?: string[];
  spaceReclaimed: number;
}

/** The engine's prune response → what was deleted. */
export function mapPruneResponse(kind: PruneKind, raw: unknown): PruneResult {
  const r = (raw ?? {}) as Record<string, unknown>;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const space = typeof r['SpaceReclaimed'] === 'number' ? r['SpaceReclaimed'] : 0;
  switch (kind) {
    case 'containers':
      return { kind, deleted: strings(r['ContainersDeleted']), spaceReclaimed: space };
    case 'networks':
      return { kind, deleted: strings(r['NetworksDeleted']), spaceReclaimed: space };
    case 'volumes':
      return { kind, deleted: strings(r['VolumesDeleted']), spaceReclaimed: space };
    case 'build-cache':
      return { kind, deleted: strings(r['CachesDeleted']), spaceReclaimed: space };
    case 'images': {
      const entries = Array.isArray(r['ImagesDeleted']) ? (r['ImagesDeleted'] as Record<string, unknown>[]) : [];
      return {
        kind,
        deleted: entries.flatMap((e) => (typeof e?.['Deleted'] === 'string' ? [e['Deleted']] : [])),
        untagged: entries.flatMap((e) => (typeof e?.['Untagged'] === 'string' ? [e['Untagged']] : [])),
        spaceReclaimed: space,
      };
    }
  }
}

/**
 * What the prune did against what the preview said: the planned items it
 * removed, those it left, and anything it removed that the preview did not
 * list (an image's layers are not items: only ids the plan could have
 * listed — the engine's own images — count as unexpected).
 */
export function comparePlan(plan: PrunePlan, results: readonly PruneResult[], knownImageIds: ReadonlySet<string> = new Set()): { removed: PruneItem[]; left: PruneItem[]; unexpected: { kind: PruneKind; id: string }[] } {
  const deleted = new Map<PruneKind, Set<string>>();
  for (const r of results) deleted.set(r.kind, new Set([...(deleted.get(r.kind) ?? []), ...r.deleted]));
  const removed = plan.items.filter((i) => deleted.get(i.kind)?.has(i.id));
  const left = plan.items.filter((i) => !deleted.get(i.kind)?.has(i.id));
  const planned = new Set(plan.items.map((i) => `${i.kind}\0${i.id}`));
  const unexpected = results.flatMap((r) =>
    r.deleted.filter((id) => !planned.has(`${r.kind}\0${id}`) && (r.kind !== 'images' || knownImageIds.has(id))).map((id) => ({ kind: r.kind, id })),
  );
  return { removed, left, unexpected };
}
