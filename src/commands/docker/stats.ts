/** "Show Stats": the stats panel of a container, or of every container of a Compose project. */
import type { StatsPanel, StatsPanels } from '../../webviews/statsPanel';
import { streamingDocker } from '../../core/docker/streaming';
import type { DockerTargetArgs, DockerTargets } from './observeTarget';

export class DockerStats {
  constructor(
    private readonly targets: DockerTargets,
    private readonly panels: () => StatsPanels,
  ) {}

  async open(node: unknown, args?: DockerTargetArgs): Promise<StatsPanel> {
    const target = await this.targets.containerOrProject(node, args);
    const docker = await streamingDocker(target.profile, target.docker);
    return this.panels().open({
      key: `${target.profile.id}\n${target.title}`,
      title: target.title,
      engineName: target.profile.name,
      containers: target.containers.map((c) => ({ id: c.id, name: c.name })),
      docker,
    });
  }
}
