/**
 * Docker: logs, error counts, stats, an exec terminal and volume backup and
 * restore (docker-observe chunk); container actions, prune and database
 * connections from containers (docker-commands chunk).
 */
import * as vscode from 'vscode';
import { lazy } from '../app/lazy';
import type * as DockerCommandsModule from '../commands/docker/index';
import type * as DockerObserveModule from '../commands/docker/observe';
import { kept, type Contribution } from './context';

/* eslint-disable @typescript-eslint/no-require-imports -- each chunk loads the first time a command needs it */
const dockerCommandsModule = lazy(() => require('../commands/docker/index') as typeof DockerCommandsModule);
const dockerObserveModule = lazy(() => require('../commands/docker/observe') as typeof DockerObserveModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type DockerLogArgs = DockerObserveModule.LogArgs;

export function registerDocker(c: Contribution): void {
  const { register } = c;
  const observe = lazy(() => kept(c, new (dockerObserveModule().DockerObserveCommands)({ flow: c.flow, profiles: c.profiles, extensionUri: c.context.extensionUri })));
  register('upkeep.docker.logs', (node?: unknown, args?: DockerLogArgs) => observe().logs.open(node, args));
  register('upkeep.docker.stopFollowingLogs', (uri?: vscode.Uri) => observe().logs.stop(uri instanceof vscode.Uri ? uri : undefined));
  register('upkeep.docker.countErrors', (node?: unknown, args?: DockerLogArgs & { pattern?: string }) => observe().logs.countErrors(node, args));
  register('upkeep.docker.stats', (node?: unknown, args?: DockerObserveModule.DockerTargetArgs) => observe().stats.open(node, args));
  register('upkeep.docker.exec', (node?: unknown, args?: DockerObserveModule.ExecArgs) => observe().exec.open(node, args));
  register('upkeep.docker.backupVolume', (node?: unknown, args?: DockerObserveModule.BackupArgs) => observe().volumes.backup(node, args));
  register('upkeep.docker.restoreVolume', (node?: unknown, args?: DockerObserveModule.RestoreArgs) => observe().volumes.restore(node, args));
  const docker = lazy(() => new (dockerCommandsModule().DockerCommands)({ flow: c.flow, profiles: c.profiles, credentials: c.credentials }));
  for (const action of ['start', 'stop', 'restart', 'pause', 'unpause', 'remove'] as const) {
    register(`upkeep.docker.${action}`, (node?: unknown, args?: { removeVolumes?: boolean }) => docker().containerAction(action, node, args));
  }
  register('upkeep.docker.prune', (node?: unknown, args?: DockerCommandsModule.PruneArgs) => docker().prune(node, args));
  register('upkeep.docker.createConnection', (node?: unknown, args?: DockerCommandsModule.CreateArgs) => docker().databases.createConnection(node, args));
  register('upkeep.docker.createDatabaseConnections', (args?: DockerCommandsModule.CreateArgs) => docker().databases.createAll(args));
}
