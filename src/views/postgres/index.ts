/** PostgreSQL's tree: connection → databases → schemas → tables → indexes, plus sessions, roles and extensions. */
import * as vscode from 'vscode';
import type { EngineViews } from '../registry';
import { PgConnectionNode } from './nodes';

export const postgresViews: EngineViews = {
  connectionNode: (profile, scope, ctx) =>
    new PgConnectionNode(profile, scope, {
      connections: ctx.connections,
      changed: ctx.changed,
      pageSize: () => vscode.workspace.getConfiguration('upkeep.tree').get<number>('pageSize', 500),
      thresholds: () => {
        const c = vscode.workspace.getConfiguration('upkeep.health');
        return { deadTuplePercent: c.get<number>('deadTuplePercent', 20), minDeadTuples: c.get<number>('minDeadTuples', 50) };
      },
    }),
};
