/** Docker's tree: connection → containers (by Compose project), images, volumes, networks, disk usage; refreshed by the engine's events while visible. */
import type { EngineViews } from '../registry';
import { DockerConnectionNode } from './nodes';
import { retainOnly } from './watch';

export const dockerViews: EngineViews = {
  connectionNode: (profile, scope, ctx) => new DockerConnectionNode(profile, scope, ctx),
  retain: retainOnly,
};
