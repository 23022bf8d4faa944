import type { ConnectionProfile } from '../../core/connections/profile';
import type { ConnectionService } from '../../connections/connectionService';
import { failureNode } from '../explain';
import { MessageNode, type UpkeepNode } from '../node';

/** Loads a node's children; a failure becomes one error child (and, when it is the connection's, its status) instead of a broken view. */
export async function loadOrExplain(node: UpkeepNode, connections: ConnectionService, profile: ConnectionProfile, load: () => Promise<UpkeepNode[]>, empty = 'No keys'): Promise<UpkeepNode[]> {
  try {
    const children = await load();
    return children.length ? children : [new MessageNode(node, empty, 'info')];
  } catch (err) {
    return [await failureNode(node, connections, profile, err)];
  }
}
