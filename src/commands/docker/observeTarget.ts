/**
 * What a Docker observing command acts on: the tree node it was invoked on
 * (docker-container, docker-project, docker-volume: recognised by kind, the
 * tree lives in another bundle), an argument naming it (the palette with
 * arguments, tests), or quick picks — a Docker connection, then a container,
 * Compose project or volume listed by the engine.
 */
import * as vscode from 'vscode';
import type Dockerode from 'dockerode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { DockerSession } from '../../core/docker/connection';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import { Cancelled, UserFacingError } from '../../core/errors';
import { dockerFailure } from '../../core/docker/streaming';
import { pick } from '../pick';

export { pick };

/** The shape of docker-tree's nodes this module reads (their contract). */
interface ContainerNodeShape {
  profile: ConnectionProfile;
  id: string;
  name: string;
  state: string;
  project?: string;
}
interface ProjectNodeShape {
  profile: ConnectionProfile;
  project: string;
  containers: { id: string; name: string; state: string }[];
}
interface VolumeNodeShape {
  profile: ConnectionProfile;
  name: string;
  inUse: boolean;
}

/** What commands accept instead of a node: a connection (id or name) and the object by id or name. */
export interface DockerTargetArgs {
  connection?: string;
  container?: string;
  project?: string;
  volume?: string;
}

export interface ContainerRef {
  id: string;
  name: string;
  state: string;
  project?: string;
}

export interface DockerContext {
  profile: ConnectionProfile;
  docker: Dockerode;
}

export class DockerTargets {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly connections: ConnectionService,
  ) {}

  async open(profile: ConnectionProfile): Promise<DockerContext> {
    const session = (await this.connections.session(profile)) as DockerSession;
    return { profile, docker: session.docker };
  }

  private async profile(args: DockerTargetArgs | undefined): Promise<ConnectionProfile> {
    const all = this.profiles.byEngine('docker').map((s) => s.profile);
    if (args?.connection) {
      const found = all.find((p) => p.id === args.connection) ?? all.find((p) => p.name === args.connection);
      if (!found) throw new UserFacingError(`There is no Docker connection "${args.connection}".`);
      return found;
    }
    if (all.length === 1 && all[0]) return all[0];
    if (!all.length) throw new UserFacingError('There is no Docker connection yet: add one in the Docker view first.');
    return pick(all.map((p) => ({ label: p.name, description: p.socketPath ?? `${p.host ?? ''}:${p.port ?? ''}`, value: p })), 'Which Docker engine?');
  }

  /** A container: from its node, an argument, or picked (`runningOnly`: only running ones are offered). */
  async container(node: unknown, args: DockerTargetArgs | undefined, runningOnly = false): Promise<DockerContext & { container: ContainerRef }> {
    const fromNode = nodeOfKind<UpkeepNode & ContainerNodeShape>(node, 'docker-container');
    if (fromNode) return { ...(await this.open(fromNode.profile)), container: { id: engineId(fromNode.id, fromNode.name), name: fromNode.name, state: fromNode.state, ...(fromNode.project ? { project: fromNode.project } : {}) } };
    const ctx = await this.open(await this.profile(args));
    const list = await listContainers(ctx, runningOnly ? { status: ['running'] } : {});
    if (args?.container) {
      const want = args.container;
      const found = list.find((c) => c.id === want || c.id.startsWith(want) || c.name === want);
      if (found) return { ...ctx, container: found };
      // Not in the list: maybe stopped when only running ones were listed; let the command say why.
      try {
        const info = await ctx.docker.getContainer(want).inspect();
        return { ...ctx, container: { id: info.Id, name: info.Name.replace(/^\//, ''), state: info.State.Status } };
      } catch {
        throw new UserFacingError(`There is no container "${want}" on ${ctx.profile.name}.`);
      }
    }
    if (!list.length) throw new UserFacingError(runningOnly ? `No container is running on ${ctx.profile.name}.` : `${ctx.profile.name} has no containers.`);
    const container = await pick(
      list.map((c) => ({ label: c.name, description: `${c.state}${c.project ? ` · ${c.project}` : ''}`, value: c })),
      runningOnly ? 'Which running container?' : 'Which container?',
    );
    return { ...ctx, container };
  }

  /** A Compose project (containers labelled com.docker.compose.project) and its containers. */
  async project(node: unknown, args: DockerTargetArgs | undefined): Promise<DockerContext & { project: string; containers: ContainerRef[] }> {
    const fromNode = nodeOfKind<UpkeepNode & ProjectNodeShape>(node, 'docker-project');
    if (fromNode) return { ...(await this.open(fromNode.profile)), project: fromNode.project, containers: fromNode.containers.map((c) => ({ ...c, project: fromNode.project })) };
    const ctx = await this.open(await this.profile(args));
    const all = await listContainers(ctx, { label: ['com.docker.compose.project'] });
    const projects = [...new Set(all.flatMap((c) => (c.project ? [c.project] : [])))].sort();
    const project = args?.project ?? (await pick(projects.map((p) => ({ label: p, description: `${all.filter((c) => c.project === p).length} containers`, value: p })), 'Which Compose project?'));
    const containers = all.filter((c) => c.project === project);
    if (!containers.length) throw new UserFacingError(`There is no Compose project "${project}" on ${ctx.profile.name}.`);
    return { ...ctx, project, containers };
  }

  /** A container or a whole project, whichever the node is; from the palette, a container. */
  async containerOrProject(node: unknown, args: DockerTargetArgs | undefined): Promise<DockerContext & { title: string; containers: ContainerRef[] }> {
    if (nodeOfKind(node, 'docker-project') || (args?.project && !args.container)) {
      const p = await this.project(node, args);
      return { profile: p.profile, docker: p.docker, title: `project ${p.project}`, containers: p.containers };
    }
    if (node !== undefined || args?.container) {
      const c = await this.container(node, args);
      return { profile: c.profile, docker: c.docker, title: c.container.name, containers: [c.container] };
    }
    // From the palette: the Compose projects first, then every container.
    const ctx = await this.open(await this.profile(args));
    const all = await listContainers(ctx, {});
    const projects = [...new Set(all.flatMap((c) => (c.project ? [c.project] : [])))].sort();
    if (!all.length) throw new UserFacingError(`${ctx.profile.name} has no containers.`);
    const chosen = await pick<{ project: string } | { container: ContainerRef }>(
      [
        ...projects.map((p) => ({ label: `$(layers) ${p}`, description: `Compose project · ${all.filter((c) => c.project === p).length} containers`, value: { project: p } })),
        ...all.map((c) => ({ label: c.name, description: `${c.state}${c.project ? ` · ${c.project}` : ''}`, value: { container: c } })),
      ],
      'Which Compose project or container?',
    );
    if ('project' in chosen) return { ...ctx, title: `project ${chosen.project}`, containers: all.filter((c) => c.project === chosen.project) };
    return { ...ctx, title: chosen.container.name, containers: [chosen.container] };
  }

  /** A volume; `allowNew` offers "New volume…" (a restore may create one). */
  async volume(node: unknown, args: DockerTargetArgs | undefined, allowNew = false): Promise<DockerContext & { volume: string }> {
    const fromNode = nodeOfKind<UpkeepNode & VolumeNodeShape>(node, 'docker-volume');
    if (fromNode) return { ...(await this.open(fromNode.profile)), volume: fromNode.name };
    const ctx = await this.open(await this.profile(args));
    if (args?.volume) return { ...ctx, volume: args.volume };
    const { Volumes } = await ctx.docker.listVolumes().catch((err: unknown) => {
      throw dockerFailure('Listing volumes', err, ctx.profile);
    });
    const names = (Volumes ?? []).map((v) => v.Name).sort();
    if (!names.length && !allowNew) throw new UserFacingError(`${ctx.profile.name} has no volumes.`);
    const chosen = await pick([...names.map((n) => ({ label: n, value: n })), ...(allowNew ? [{ label: '$(add) New volume…', value: '' }] : [])], 'Which volume?');
    if (chosen) return { ...ctx, volume: chosen };
    const typed = await vscode.window.showInputBox({
      prompt: 'Name of the new volume',
      ignoreFocusOut: true,
      validateInput: (v) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(v) ? (names.includes(v) ? `${v} exists already.` : undefined) : 'Letters, digits, _ . - (at least two characters, starting with a letter or digit).'),
    });
    if (!typed) throw new Cancelled();
    return { ...ctx, volume: typed };
  }
}

/**
 * The engine's id for a node's container. The contract gives the container id
 * in \`id\`; should a node carry its tree id there instead, the name (which can
 * hold neither '/' nor ':') addresses the container just as well.
 */
function engineId(id: string, name: string): string {
  return /^[0-9a-f]{12,64}$/.test(id) ? id : name;
}

async function listContainers(ctx: DockerContext, filters: Record<string, string[]>): Promise<ContainerRef[]> {
  try {
    const list = await ctx.docker.listContainers({ all: true, filters });
    return list.map((c) => {
      const project = c.Labels['com.docker.compose.project'];
      return { id: c.Id, name: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''), state: c.State, ...(project ? { project } : {}) };
    });
  } catch (err) {
    throw dockerFailure('Listing containers', err, ctx.profile);
  }
}

