/**
 * Database containers as connections: a container's published port, user and
 * database become a profile that remembers the container; a password found
 * in its environment is offered once, in a modal that says where it goes, and
 * goes to secret storage through the credential resolver — never settings.
 */
import * as vscode from 'vscode';
import type Dockerode from 'dockerode';
import { type ConnectionProfile, newProfileId } from '../../core/connections/profile';
import type { DockerSession } from '../../core/docker/connection';
import { discoverConnection, type DiscoveredConnection, profileFromDiscovery, recogniseDatabase } from '../../core/docker/discovery';
import { mapContainers } from '../../core/docker/resources';
import { Cancelled, UserFacingError } from '../../core/errors';
import type { ProfileScope } from '../../connections/profileStore';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import type { FlowDeps } from '../../app/operationFlow';
import type { ProfileStore } from '../../connections/profileStore';
import type { CredentialResolver } from '../../connections/credentials';

export interface DockerCommandDeps {
  flow: FlowDeps;
  profiles: ProfileStore;
  credentials: CredentialResolver;
}

export interface CreateArgs {
  /** Save the password found in the container's environment (tests answer the consent modal with this). */
  savePassword?: boolean;
  scope?: ProfileScope;
  /** Check the new connection at once (default true). */
  test?: boolean;
  /** createDatabaseConnections: the container ids to create (tests answer the quick pick with this). */
  ids?: string[];
}

export interface CreatedConnection {
  profile: ConnectionProfile;
  found: DiscoveredConnection;
  passwordSaved: boolean;
}

export class DatabaseCommands {
  constructor(private readonly deps: DockerCommandDeps) {}

  private async docker(profile: ConnectionProfile): Promise<Dockerode> {
    return ((await this.deps.flow.connections.session(profile)) as DockerSession).docker;
  }

  /** The connection a container describes (inspect + discovery), without creating anything. */
  async discover(dockerProfile: ConnectionProfile, containerId: string): Promise<DiscoveredConnection> {
    const docker = await this.docker(dockerProfile);
    const found = discoverConnection(await docker.getContainer(containerId).inspect());
    if (!found) throw new UserFacingError('Upkeep does not recognise this container as PostgreSQL, Neo4j, Redis or RabbitMQ (by its image or labels).');
    return found;
  }

  /** The profile a discovered database becomes (no password: that goes to secret storage). */
  profileFor(dockerProfile: ConnectionProfile, found: DiscoveredConnection): ConnectionProfile {
    return profileFromDiscovery(dockerProfile, found, newProfileId());
  }

  /** A connection already made from this container, if any. */
  existing(dockerProfileId: string, containerId: string): ConnectionProfile | undefined {
    return this.deps.profiles.all().find((s) => s.profile.container?.docker === dockerProfileId && s.profile.container.id === containerId)?.profile;
  }

  /** Asks once, in a modal that names the variable and where the password will be sent. */
  private async askToSavePassword(items: { profile: ConnectionProfile; found: DiscoveredConnection }[]): Promise<boolean> {
    const lines = items.map(({ profile, found }) => `• ${found.container.name}: ${found.passwordFrom ?? 'environment'} → sent only to ${profile.host ?? ''}:${profile.port ?? ''} as ${profile.user ?? '(default user)'}`);
    const choice = await vscode.window.showInformationMessage(
      items.length === 1 ? `${items[0]?.found.container.name ?? ''} has a password in its configuration. Save it for the new connection?` : `${items.length} containers have a password in their configuration. Save them for the new connections?`,
      {
        modal: true,
        detail: `${lines.join('\n')}\n\nIt goes to VS Code's secret storage (the OS keychain), bound to that address, and never into settings. Without it, Upkeep asks for the password when it first connects.`,
      },
      'Save Password',
      'Without Password',
    );
    if (choice === undefined) throw new Cancelled();
    return choice === 'Save Password';
  }

  private async save(items: { profile: ConnectionProfile; found: DiscoveredConnection }[], args: CreateArgs): Promise<CreatedConnection[]> {
    const withPassword = items.filter((x) => x.found.password !== undefined);
    const savePassword = withPassword.length ? args.savePassword ?? (await this.askToSavePassword(withPassword)) : false;
    const out: CreatedConnection[] = [];
    for (const { profile, found } of items) {
      const saved = savePassword && found.password !== undefined;
      // Secret first: a profile that appears in the tree must find its password, bound to where it points.
      if (saved) await this.deps.credentials.store(profile, found.password);
      await this.deps.profiles.save(profile, args.scope ?? 'user');
      await this.deps.flow.connections.forget(profile.id);
      this.deps.flow.log.info(`${profile.name}: connection made from container ${found.container.name} (${found.via}${saved ? `, password from ${found.passwordFrom ?? 'its environment'} saved in secret storage` : ''}).`);
      out.push({ profile, found, passwordSaved: saved });
    }
    if (args.test ?? true) await Promise.all(out.map((c) => this.deps.flow.connections.check(c.profile)));
    return out;
  }

  /** Create Connection… on a database container. */
  async createConnection(node?: unknown, args: CreateArgs = {}): Promise<CreatedConnection | undefined> {
    const c = nodeOfKind<UpkeepNode & { profile: ConnectionProfile; id: string; name: string }>(node, 'docker-container');
    if (!c) throw new UserFacingError('Run Create Connection… on a database container in the Docker view, or use "Create Connections for Database Containers".');
    const already = this.existing(c.profile.id, c.id);
    if (already) {
      void vscode.window.showInformationMessage(`${c.name} already has a connection: ${already.name}.`);
      return undefined;
    }
    const found = await this.discover(c.profile, c.id);
    const profile = this.profileFor(c.profile, found);
    const [made] = await this.save([{ profile, found }], args);
    if (made) void vscode.window.showInformationMessage(`${made.profile.name}: connection made (${made.profile.host ?? ''}:${made.profile.port ?? ''}${made.passwordSaved ? ', password in secret storage' : ''}).`);
    return made;
  }

  /** Every database container of every Docker connection: pick which to connect (the missing ones), then make them. */
  async createAll(args: CreateArgs = {}): Promise<CreatedConnection[]> {
    const candidates: { label: string; description: string; detail?: string; picked: boolean; profile: ConnectionProfile; found: DiscoveredConnection }[] = [];
    const problems: string[] = [];
    for (const { profile: dockerProfile } of this.deps.profiles.byEngine('docker')) {
      try {
        const docker = await this.docker(dockerProfile);
        for (const c of mapContainers(await docker.listContainers({ all: true }))) {
          if (!recogniseDatabase([c.image], c.labels) || this.existing(dockerProfile.id, c.id)) continue;
          const found = discoverConnection(await docker.getContainer(c.id).inspect(), c.image);
          if (!found) continue;
          try {
            const profile = this.profileFor(dockerProfile, found);
            candidates.push({ label: found.container.name, description: `${found.label} · ${profile.host ?? ''}:${profile.port ?? ''} · ${dockerProfile.name}`, ...(found.notes.length ? { detail: found.notes.join(' ') } : {}), picked: true, profile, found });
          } catch (err) {
            problems.push(err instanceof Error ? err.message : String(err));
          }
        }
      } catch (err) {
        problems.push(`${dockerProfile.name}: ${(await this.deps.flow.connections.recordFailure(dockerProfile, err)).message}`);
      }
    }
    for (const p of problems) this.deps.flow.log.info(`Database containers: ${p}`);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`No database container without a connection was found${problems.length ? ` (${problems.length} skipped: see the log)` : ''}.`);
      return [];
    }
    const chosen = args.ids
      ? candidates.filter((x) => args.ids?.includes(x.found.container.id))
      : await vscode.window.showQuickPick(candidates, { canPickMany: true, placeHolder: 'Database containers without a connection: create connections for the checked ones', ignoreFocusOut: true });
    if (!chosen?.length) throw new Cancelled();
    const made = await this.save(chosen.map((x) => ({ profile: x.profile, found: x.found })), args);
    void vscode.window.showInformationMessage(`${made.length} connection${made.length === 1 ? '' : 's'} made: ${made.map((m) => m.profile.name).join(', ')}.`);
    return made;
  }
}
