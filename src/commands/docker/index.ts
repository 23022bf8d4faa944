/**
 * Docker's commands: container start/stop/restart/pause/unpause/remove and
 * prune (each an Operation through the shared flow), and database
 * containers turned into connections (databaseCommands.ts). Required the
 * first time one of them runs.
 */
import * as vscode from 'vscode';
import type Dockerode from 'dockerode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { DockerSession } from '../../core/docker/connection';
import { buildContainerOp, buildPruneOp, type ContainerAction, type DockerOp } from '../../core/docker/operation';
import type { PruneKind, PruneOptions, PrunePlan } from '../../core/docker/prune';
import { readPrunePlan } from '../../core/docker/pruneRead';
import { mapContainers } from '../../core/docker/resources';
import { formatBytes } from '../../core/format';
import type { BatchOutcome } from '../../core/operations/operation';
import { Cancelled, UserFacingError } from '../../core/errors';
import { runOperationFlow } from '../../app/operationFlow';
import { nodeOfKind, rootOf, type UpkeepNode } from '../../views/node';
import { DatabaseCommands, type DockerCommandDeps } from './databaseCommands';

export type { DockerCommandDeps };
export type { CreateArgs } from './databaseCommands';

/** What the container commands read from a 'docker-container' node (the contract every Docker command shares). */
export interface ContainerNodeFields {
  profile: ConnectionProfile;
  id: string;
  name: string;
  state: string;
  project?: string;
}

export interface PruneArgs extends PruneOptions {
  /** Tests: receive the plan the preview was made from. */
  onPlan?: (plan: PrunePlan) => void;
}

export class DockerCommands {
  readonly databases: DatabaseCommands;

  constructor(private readonly deps: DockerCommandDeps) {
    this.databases = new DatabaseCommands(deps);
  }

  async docker(profile: ConnectionProfile): Promise<Dockerode> {
    return ((await this.deps.flow.connections.session(profile)) as DockerSession).docker;
  }

  /** The Docker connection a node hangs under, or one picked from the palette. */
  async pickProfile(node?: unknown): Promise<ConnectionProfile> {
    const withProfile = node as { profile?: ConnectionProfile } | undefined;
    if (withProfile?.profile?.engine === 'docker') return withProfile.profile;
    if (node instanceof Object && 'parent' in node) {
      const root = rootOf(node as UpkeepNode) as unknown as { profile?: ConnectionProfile };
      if (root.profile?.engine === 'docker') return root.profile;
    }
    const all = this.deps.profiles.byEngine('docker');
    if (all.length === 1 && all[0]) return all[0].profile;
    if (!all.length) throw new UserFacingError('There is no Docker connection yet: add one in the Docker view.');
    const chosen = await vscode.window.showQuickPick(all.map((s) => ({ label: s.profile.name, profile: s.profile })), { placeHolder: 'Docker connection' });
    if (!chosen) throw new Cancelled();
    return chosen.profile;
  }

  /** A container from its node, or picked from the palette. */
  private async container(node: unknown): Promise<ContainerNodeFields> {
    const c = nodeOfKind<UpkeepNode & ContainerNodeFields>(node, 'docker-container');
    if (c) return c;
    const profile = await this.pickProfile(node);
    const containers = mapContainers(await (await this.docker(profile)).listContainers({ all: true }));
    if (!containers.length) throw new UserFacingError(`${profile.name} has no containers.`);
    const chosen = await vscode.window.showQuickPick(
      containers.map((x) => ({ label: x.name, description: `${x.state} · ${x.image}`, value: x })),
      { placeHolder: 'Container', matchOnDescription: true },
    );
    if (!chosen) throw new Cancelled();
    return { profile, id: chosen.value.id, name: chosen.value.name, state: chosen.value.state, ...(chosen.value.project ? { project: chosen.value.project } : {}) };
  }

  async containerAction(action: ContainerAction, node?: unknown, args: { removeVolumes?: boolean } = {}): Promise<BatchOutcome<DockerOp> | undefined> {
    const c = await this.container(node);
    let removeVolumes = args.removeVolumes;
    if (action === 'remove' && removeVolumes === undefined) {
      const choice = await vscode.window.showQuickPick(
        [
          { label: 'Keep its volumes', description: `docker rm ${c.name}`, value: false },
          { label: 'Also remove its anonymous volumes', description: `docker rm -v ${c.name} — named volumes are kept`, value: true },
        ],
        { placeHolder: `Remove container ${c.name}: what about its anonymous volumes?`, ignoreFocusOut: true },
      );
      if (!choice) throw new Cancelled();
      removeVolumes = choice.value;
    }
    const op = buildContainerOp(action, c, { removeVolumes: removeVolumes === true });
    return runOperationFlow(this.deps.flow, { profile: c.profile, ops: [op] });
  }

  /** What to prune, asked when the command was not told. */
  private async askPrune(): Promise<PruneOptions> {
    type Pick = vscode.QuickPickItem & { value: { kind: PruneKind; all?: boolean } };
    const items: Pick[] = [
      { label: 'Stopped containers', description: 'docker container prune', value: { kind: 'containers' } },
      { label: 'Dangling images', description: 'docker image prune (untagged, unused)', value: { kind: 'images' } },
      { label: 'All unused images', description: 'docker image prune --all (tagged ones too)', value: { kind: 'images', all: true } },
      { label: 'Unused anonymous volumes', description: 'docker volume prune', value: { kind: 'volumes' } },
      { label: 'All unused volumes, named ones too', description: 'docker volume prune --all — data in named volumes is lost', value: { kind: 'volumes', all: true } },
      { label: 'Unused networks', description: 'docker network prune', value: { kind: 'networks' } },
      { label: 'Build cache', description: 'docker builder prune --all', value: { kind: 'build-cache' } },
    ];
    const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: 'What to prune (the preview lists every item before anything is removed)', ignoreFocusOut: true });
    if (!chosen?.length) throw new Cancelled();
    return {
      kinds: [...new Set(chosen.map((c) => c.value.kind))],
      allImages: chosen.some((c) => c.value.kind === 'images' && c.value.all),
      allVolumes: chosen.some((c) => c.value.kind === 'volumes' && c.value.all),
    };
  }

  /** Reads what the engine has now and works out what the prune removes (see core/docker/prune.ts). */
  async plan(profile: ConnectionProfile, options: PruneOptions): Promise<PrunePlan> {
    return readPrunePlan(await this.docker(profile), options);
  }

  async prune(node?: unknown, args?: PruneArgs): Promise<BatchOutcome<DockerOp> | undefined> {
    const profile = await this.pickProfile(node);
    const options: PruneOptions = args?.kinds?.length ? { kinds: args.kinds, allImages: args.allImages === true, allVolumes: args.allVolumes === true } : await this.askPrune();
    const plan = await this.plan(profile, options);
    args?.onPlan?.(plan);
    this.deps.flow.log.info(`Prune plan for ${profile.name}:\n  ${plan.items.map((i) => `${i.kind} ${i.label}${i.named ? ' (named volume)' : ''} ${formatBytes(i.size ?? 0)}`).join('\n  ') || 'nothing'}`);
    const op = buildPruneOp(plan, profile.name, formatBytes);
    return runOperationFlow(this.deps.flow, { profile, ops: [op] });
  }
}
