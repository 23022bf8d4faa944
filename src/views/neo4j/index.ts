/** Neo4j's tree: connection → server facts and databases → labels, relationship types, indexes, constraints, transactions. */
import * as vscode from 'vscode';
import type { EngineViews } from '../registry';
import { Neo4jConnectionNode } from './nodes';

export const neo4jViews: EngineViews = {
  connectionNode: (profile, scope, ctx) =>
    new Neo4jConnectionNode(profile, scope, {
      connections: ctx.connections,
      changed: ctx.changed,
      showSystemDatabase: () => vscode.workspace.getConfiguration('upkeep.neo4j').get<boolean>('showSystemDatabase', false),
      longTransactionSeconds: () => vscode.workspace.getConfiguration('upkeep.neo4j').get<number>('longTransactionSeconds', 30),
    }),
};
