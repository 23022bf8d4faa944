/**
 * A prune's plan from the engine as it is now: its clock first (everything
 * listed after it was made before it, and each prune's `until` keeps out what
 * comes later), then the same lists and `system df` the engine decides by.
 */
import type Dockerode from 'dockerode';
import { planPrune, type PruneOptions, type PrunePlan } from './prune';
import { mapContainers, mapImages, mapNetworks, mapVolumes } from './resources';
import { mapDiskUsage } from './diskUsage';

export async function readPrunePlan(docker: Dockerode, options: PruneOptions): Promise<PrunePlan> {
  const [info, version] = await Promise.all([docker.info() as Promise<{ SystemTime?: string }>, docker.version()]);
  const engineNow = info.SystemTime ? Date.parse(info.SystemTime) : NaN;
  const plannedAt = Number.isFinite(engineNow) ? engineNow : Date.now();
  const [containersRaw, imagesRaw, volumesRaw, networksRaw, dfRaw] = await Promise.all([
    docker.listContainers({ all: true }), docker.listImages(), docker.listVolumes(), docker.listNetworks(), docker.df() as Promise<unknown>,
  ]);
  const containers = mapContainers(containersRaw);
  return planPrune(
    {
      apiVersion: version.ApiVersion,
      containers,
      images: mapImages(imagesRaw, containers),
      volumes: mapVolumes(volumesRaw, dfRaw, containers),
      networks: mapNetworks(networksRaw, containers),
      usage: mapDiskUsage(dfRaw),
      plannedAt,
    },
    options,
  );
}
