/** RabbitMQ: queue, connection and policy operations and the definitions (rabbitmq-commands chunk), its report (rabbitmq-report-commands). */
import type * as vscode from 'vscode';
import { lazy } from '../app/lazy';
import type * as RabbitCommandsModule from '../commands/rabbitmq/index';
import type * as RabbitReportCommandsModule from '../commands/rabbitmq/reportCommands';
import { nodeOfKind, type UpkeepNode } from '../views/node';
import { kept, type Contribution } from './context';
import type { ExportFormat } from './postgres';

/* eslint-disable @typescript-eslint/no-require-imports -- each chunk loads the first time a command needs it */
const rabbitCommandsModule = lazy(() => require('../commands/rabbitmq/index') as typeof RabbitCommandsModule);
const rabbitReportCommandsModule = lazy(() => require('../commands/rabbitmq/reportCommands') as typeof RabbitReportCommandsModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type RabbitCmds = RabbitCommandsModule.RabbitCommands;

export function registerRabbitmq(c: Contribution): void {
  const { register } = c;
  const rabbit = lazy(() => kept(c, new (rabbitCommandsModule().RabbitCommands)(c.flow, c.profiles)));
  register('upkeep.rabbitmq.purge', (node?: unknown, args?: Parameters<RabbitCmds['purge']>[1]) => rabbit().purge(node, args));
  register('upkeep.rabbitmq.deleteQueue', (node?: unknown, args?: Parameters<RabbitCmds['deleteQueue']>[1]) => rabbit().deleteQueue(node, args));
  register('upkeep.rabbitmq.closeConnection', (node?: unknown, args?: Parameters<RabbitCmds['closeConnection']>[1]) => rabbit().closeConnection(node, args));
  register('upkeep.rabbitmq.peek', (node?: unknown, args?: Parameters<RabbitCmds['peek']>[1]) => rabbit().peek(node, args));
  register('upkeep.rabbitmq.setPolicy', (node?: unknown, args?: Parameters<RabbitCmds['setPolicy']>[1]) => rabbit().setPolicy(node, args));
  register('upkeep.rabbitmq.deletePolicy', (node?: unknown, args?: Parameters<RabbitCmds['deletePolicy']>[1]) => rabbit().deletePolicy(node, args));
  register('upkeep.rabbitmq.exportDefinitions', (node?: unknown, args?: RabbitCommandsModule.ExportArgs) => rabbit().definitions.export(node, args));
  register('upkeep.rabbitmq.importDefinitions', (node?: unknown, args?: RabbitCommandsModule.ImportArgs) => rabbit().definitions.import(node, args));
  register('upkeep.rabbitmq.loadMore', (node?: unknown) => nodeOfKind<UpkeepNode & { list: { loadMore(): Promise<void> } }>(node, 'rabbitmq-load-more')?.list.loadMore());
  const reports = lazy(() => new (rabbitReportCommandsModule().RabbitReportCommands)(c.reports, c.connections, c.profiles, c.prompter));
  register('upkeep.rabbitmq.report.health', (node?: unknown) => reports().open(node));
  register('upkeep.rabbitmq.exportReport', (node?: unknown, format?: ExportFormat, target?: vscode.Uri) => reports().export(node, format, target));
}
