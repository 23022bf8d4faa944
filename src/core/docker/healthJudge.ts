/**
 * Docker's health checks as pure judgements: containers whose healthcheck
 * fails (critical: the guide's script exits 1 on them) or that keep
 * restarting (a warning), and the disk `docker system df` says could be
 * reclaimed (a warning from `upkeep.health.dockerReclaimableBytes`).
 */
import type { ConnectionProfile } from '../connections/profile';
import { formatBytes } from '../format';
import { connectionLink, DOCKER_PRUNE_COMMAND } from '../health/links';
import type { HealthCheck } from '../health/model';
import type { DockerContainer } from './resources';
import type { DiskUsage } from './diskUsage';

/** Reclaimable disk from which a warning is shown (10 GiB). */
export const DEFAULT_RECLAIMABLE_WARN_BYTES = 10 * 1024 ** 3;

const names = (cs: readonly Pick<DockerContainer, 'name'>[]): string => {
  const shown = cs.slice(0, 3).map((c) => c.name).join(', ');
  return cs.length > 3 ? `${shown} and ${cs.length - 3} more` : shown;
};

export function judgeContainers(containers: readonly Pick<DockerContainer, 'name' | 'state' | 'health'>[], profile: ConnectionProfile): HealthCheck {
  const unhealthy = containers.filter((c) => c.health === 'unhealthy');
  const restarting = containers.filter((c) => c.state === 'restarting');
  const running = containers.filter((c) => c.state === 'running').length;
  const explain = connectionLink(profile, 'Show the containers in the Docker view');
  const base = { id: 'containers', title: 'Containers', explain };
  if (unhealthy.length) {
    const more = restarting.length ? `; ${restarting.length} restarting: ${names(restarting)}` : '';
    return { ...base, severity: 'critical', reason: `${unhealthy.length} unhealthy: ${names(unhealthy)}${more} (critical on any unhealthy)` };
  }
  if (restarting.length) return { ...base, severity: 'warning', reason: `${restarting.length} restarting: ${names(restarting)} (warning on any restarting)` };
  return { ...base, severity: 'ok', reason: `${running} running of ${containers.length}, none unhealthy or restarting` };
}

export function judgeReclaimable(usage: Pick<DiskUsage, 'total' | 'reclaimable'>, warnBytes: number, profile: ConnectionProfile): HealthCheck {
  const base = { id: 'reclaimable', title: 'Reclaimable disk', explain: connectionLink(profile, 'Show disk usage in the Docker view') };
  const reason = `${formatBytes(usage.reclaimable)} reclaimable of ${formatBytes(usage.total)} (warning from ${formatBytes(warnBytes)})`;
  if (usage.reclaimable >= warnBytes) return { ...base, severity: 'warning', reason, fixes: [{ title: 'Prune…', command: DOCKER_PRUNE_COMMAND }] };
  return { ...base, severity: 'ok', reason };
}
