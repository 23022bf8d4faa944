/**
 * Redis: maintenance commands (redis-operations chunk), the memory and health
 * reports, and the Redis view's key commands and value documents (redis-views
 * chunk).
 */
import * as vscode from 'vscode';
import { lazy } from '../app/lazy';
import { REDIS_OPS_COMMANDS } from '../commands/redis/commandNames';
import type * as RedisOpsModule from '../commands/redis/operations';
import type * as RedisReportCommandsModule from '../commands/redis/reportCommands';
import type * as RedisViewsModule from '../views/redis/index';
import { REDIS_VALUE_SCHEME } from '../views/redis/scheme';
import { kept, type Contribution } from './context';
import type { ExportFormat } from './postgres';

/* eslint-disable @typescript-eslint/no-require-imports -- each chunk loads the first time a command needs it */
const redisOpsModule = lazy(() => require('../commands/redis/operations') as typeof RedisOpsModule);
const redisReportCommandsModule = lazy(() => require('../commands/redis/reportCommands') as typeof RedisReportCommandsModule);
const redisViewsModule = lazy(() => require('../views/redis/index') as typeof RedisViewsModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type RedisReportKind = RedisReportCommandsModule.RedisReportKind;

export function registerRedis(c: Contribution): void {
  const { register } = c;
  const reports = lazy(() => new (redisReportCommandsModule().RedisReportCommands)(c.reports, c.connections, c.profiles));
  register('upkeep.redis.report', (node?: unknown, kind?: RedisReportKind) => reports().open(node, kind));
  register('upkeep.redis.report.memory', (node?: unknown) => reports().open(node, 'memory'));
  register('upkeep.redis.report.health', (node?: unknown) => reports().open(node, 'health'));
  register('upkeep.redis.exportReport', (node?: unknown, kind?: RedisReportKind, format?: ExportFormat, target?: vscode.Uri) => reports().export(node, kind, format, target));

  // Maintenance: each command's method has the command's name; node (or nothing: it asks) and optional args.
  const ops = lazy(() => new (redisOpsModule().RedisOpsCommands)(c.flow, c.profiles));
  for (const name of REDIS_OPS_COMMANDS) {
    register(`upkeep.redis.${name}`, (node?: unknown, args?: never) => (ops()[name] as (node?: unknown, args?: never) => unknown).call(ops(), node, args));
  }

  const valueChanged = new vscode.EventEmitter<vscode.Uri>();
  const trees = c.trees;
  const views = lazy(() =>
    kept(c, new (redisViewsModule().RedisTreeCommands)({ connections: c.connections, profiles: c.profiles, view: c.views.redis, refresh: () => trees.redis.refresh(), valueChanged })),
  );
  register('upkeep.redis.openKey', (node?: unknown) => views().openKey(node));
  register('upkeep.redis.filter', (args?: Parameters<ReturnType<typeof views>['filter']>[0]) => views().filter(args));
  register('upkeep.redis.clearFilter', () => views().clearFilter());
  register('upkeep.redis.loadMore', (target?: unknown) => views().loadMore(target));
  c.context.subscriptions.push(
    // A new delimiter, page size or threshold shows at once: the Redis view is read again.
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('upkeep.redis') && trees.redis.refresh()),
    // Registered at activation so a value tab restored after a reload finds its provider; the code loads at that first read.
    valueChanged,
    vscode.workspace.registerTextDocumentContentProvider(REDIS_VALUE_SCHEME, {
      onDidChange: valueChanged.event,
      provideTextDocumentContent: (uri) => views().values.provide(uri),
    }),
  );
}
