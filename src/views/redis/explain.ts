import type * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { ConnectionService } from '../../connections/connectionService';
import { MessageNode, rootOf, type UpkeepNode } from '../node';

/** Loads a node's children; a failure becomes one error child (and, when it is the connection's, its status) instead of a broken view. */
export async function loadOrExplain(node: UpkeepNode, connections: ConnectionService, profile: ConnectionProfile, load: () => Promise<UpkeepNode[]>, empty = 'No keys'): Promise<UpkeepNode[]> {
  try {
    const children = await load();
    return children.length ? children : [new MessageNode(node, empty, 'info')];
  } catch (err) {
    const problem = await connections.recordFailure(profile, err);
    const connection = rootOf(node);
    const fix: vscode.Command | undefined = problem.kind === 'auth'
      ? { command: 'upkeep.setPassword', title: 'Enter password', arguments: [connection] }
      : problem.kind === 'password-elsewhere'
        ? { command: 'upkeep.confirmPasswordTarget', title: 'Send Password to This Server…', arguments: [connection] }
        : undefined;
    return [new MessageNode(node, problem.kind === 'auth' ? `${problem.message} Click to enter the password.` : problem.message, 'error', problem.message, fix)];
  }
}
