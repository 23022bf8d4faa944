import { MessageNode, type UpkeepNode } from '../node';
import type { DockerConnectionNode } from './nodes';

/** Runs a read; a failure becomes one error child (and the connection's status) instead of a broken view. */
export async function loadOrExplain(node: UpkeepNode, connection: DockerConnectionNode, load: () => Promise<UpkeepNode[]>): Promise<UpkeepNode[]> {
  try {
    const children = await load();
    return children.length ? children : [new MessageNode(node, 'Nothing here', 'info')];
  } catch (err) {
    const problem = await connection.services.recordFailure(connection.profile, err, 'catalog');
    return [new MessageNode(node, problem.message, 'error', problem.message)];
  }
}
