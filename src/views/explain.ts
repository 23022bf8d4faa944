import type * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import type { ErrorDuring } from '../core/connections/errors';
import type { ConnectionService } from '../connections/connectionService';
import { MessageNode, rootOf, type UpkeepNode } from './node';

/**
 * A failure to list a node's children as one error child in their place (and,
 * when the connection itself failed, its status): with a click to enter the
 * password, or to confirm where it goes, when that is the problem.
 */
export async function failureNode(node: UpkeepNode, connections: ConnectionService, profile: ConnectionProfile, err: unknown, during?: ErrorDuring): Promise<MessageNode> {
  const problem = await connections.recordFailure(profile, err, during);
  const connection = rootOf(node);
  const fix: vscode.Command | undefined = problem.kind === 'auth'
    ? { command: 'upkeep.setPassword', title: 'Enter password', arguments: [connection] }
    : problem.kind === 'password-elsewhere'
      ? { command: 'upkeep.confirmPasswordTarget', title: 'Send Password to This Server…', arguments: [connection] }
      : undefined;
  return new MessageNode(node, problem.kind === 'auth' ? `${problem.message} Click to enter the password.` : problem.message, 'error', problem.message, fix);
}
