/**
 * Docker's health checks (the `health` hook, chunk docker-health): the
 * engine's version (reachable), its container list and `system df` (the
 * slowest call: it measures layers and volumes, still within the run's limit),
 * judged by healthJudge.ts.
 */
import type { EngineHealth, HealthCheck, HealthRequest } from '../health/model';
import { connectionLink, orUnknown } from '../health/links';
import type { DockerSession } from './connection';
import { DEFAULT_RECLAIMABLE_WARN_BYTES, judgeContainers, judgeReclaimable } from './healthJudge';
import { readContainers } from './resources';
import { readDiskUsage } from './diskUsage';

export const dockerHealth: EngineHealth = {
  async check(req: HealthRequest): Promise<HealthCheck[]> {
    const { docker } = req.session as DockerSession;
    const version = await docker.version();
    const warnBytes = req.settings.get<number>('upkeep.health.dockerReclaimableBytes', DEFAULT_RECLAIMABLE_WARN_BYTES);
    return [
      { id: 'reachable', title: 'Reachable', severity: 'ok', reason: `Docker Engine ${version.Version} answered (API ${version.ApiVersion})`, explain: connectionLink(req.profile) },
      ...(await Promise.all([
        orUnknown('containers', 'Containers', async () => judgeContainers(await readContainers(docker), req.profile)),
        // system df can fail on its own (an engine busy measuring, a proxy that refuses it): that check says so.
        orUnknown('reclaimable', 'Reclaimable disk', async () => judgeReclaimable((await readDiskUsage(docker)).usage, warnBytes, req.profile)),
      ])),
    ];
  },
};
