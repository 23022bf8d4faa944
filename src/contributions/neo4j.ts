/** Neo4j: index, constraint, transaction and clean-up commands (neo4j-commands chunk) and the schema report. */
import type * as vscode from 'vscode';
import { lazy } from '../app/lazy';
import type * as Neo4jCommandsModule from '../commands/neo4j/index';
import type * as Neo4jReportCommandsModule from '../commands/neo4j/reportCommands';
import type { Contribution } from './context';
import type { ExportFormat } from './postgres';

/* eslint-disable @typescript-eslint/no-require-imports -- each chunk loads the first time a command needs it */
const neo4jCommandsModule = lazy(() => require('../commands/neo4j/index') as typeof Neo4jCommandsModule);
const neo4jReportCommandsModule = lazy(() => require('../commands/neo4j/reportCommands') as typeof Neo4jReportCommandsModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type Neo4jCmds = Neo4jCommandsModule.Neo4jCommands;

export function registerNeo4j(c: Contribution): void {
  const { register } = c;
  const neo4j = lazy(() => new (neo4jCommandsModule().Neo4jCommands)(c.flow));
  register('upkeep.neo4j.createIndex', (node?: unknown, args?: Parameters<Neo4jCmds['createIndex']>[1]) => neo4j().createIndex(node, args));
  register('upkeep.neo4j.dropIndex', (node?: unknown) => neo4j().dropIndex(node));
  register('upkeep.neo4j.rebuildIndex', (node?: unknown) => neo4j().rebuildIndex(node));
  register('upkeep.neo4j.dropConstraint', (node?: unknown) => neo4j().dropConstraint(node));
  register('upkeep.neo4j.terminateTransaction', (node?: unknown) => neo4j().terminateTransaction(node));
  register('upkeep.neo4j.checkpoint', (node?: unknown) => neo4j().checkpoint(node));
  register('upkeep.neo4j.deleteOrphans', (node?: unknown, args?: Parameters<Neo4jCmds['deleteOrphans']>[1]) => neo4j().deleteOrphans(node, args));
  register('upkeep.neo4j.findDuplicates', (node?: unknown, args?: Parameters<Neo4jCmds['findDuplicates']>[1]) => neo4j().findDuplicates(node, args));
  const reports = lazy(() => new (neo4jReportCommandsModule().Neo4jReportCommands)(c.reports, c.connections, c.profiles));
  register('upkeep.neo4j.report.schema', (node?: unknown) => reports().open(node));
  register('upkeep.neo4j.exportReport', (node?: unknown, format?: ExportFormat, target?: vscode.Uri) => reports().export(node, format, target));
}
