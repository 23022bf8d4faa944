/**
 * The editor side's list of engine trees: for each engine with a tree of its
 * own, the module under views/<engine>/ that makes its connection nodes. An
 * engine without one shows its connections as leaves. The provider asks this
 * list and never names an engine; adding an engine's tree is its folder and
 * one line here.
 */
import type * as vscode from 'vscode';
import type { ConnectionProfile, Engine } from '../core/connections/profile';
import type { ConnectionService } from '../connections/connectionService';
import type { ProfileScope } from '../connections/profileStore';
import { ConnectionNode } from './connectionNode';
import type { UpkeepNode } from './node';

/** What the provider hands an engine's nodes. */
export interface TreeContext {
  connections: ConnectionService;
  /** Asks the provider to re-render a node (after "Load more"). */
  changed: (node: UpkeepNode) => void;
  /** Whether the view is on screen: a tree that watches its server (an event stream) does so only then. */
  visible(): boolean;
  /** Fires with the new visibility when the view is shown or hidden. */
  onDidChangeVisibility: vscode.Event<boolean>;
}

/** An engine's tree: how its connection nodes are made. Its module is loaded when the view first lists connections. */
export interface EngineViews {
  connectionNode(profile: ConnectionProfile, scope: ProfileScope, ctx: TreeContext): ConnectionNode;
  /** The engine's connections as last listed: a tree that keeps something per connection (an event stream) lets the others go. */
  retain?(profileIds: readonly string[]): void;
}

interface ViewEntry {
  /** Whether the view offers "Collapse All" (trees deeper than one level); needed when the view is created. */
  showCollapseAll: boolean;
  load(): Promise<EngineViews>;
}

/** A connection as a leaf: its status, flags and context menu, no children yet. */
const LEAF: EngineViews = {
  connectionNode: (profile, scope, ctx) => new ConnectionNode(profile, scope, ctx.connections, false),
};

const VIEWS: Partial<Record<Engine, ViewEntry>> = {
  postgres: { showCollapseAll: true, load: async () => (await import('./postgres/index')).postgresViews },
  docker: { showCollapseAll: true, load: async () => (await import('./docker/index')).dockerViews },
  neo4j: { showCollapseAll: true, load: async () => (await import('./neo4j/index')).neo4jViews },
  redis: { showCollapseAll: true, load: async () => (await import('./redis/index')).redisViews },
  rabbitmq: { showCollapseAll: true, load: async () => (await import('./rabbitmq/index')).rabbitmqViews },
};

export function showCollapseAll(engine: Engine): boolean {
  return VIEWS[engine]?.showCollapseAll ?? false;
}

/** The engine's tree module (a chunk of its own in the bundle), or connections as leaves. */
export function engineViews(engine: Engine): Promise<EngineViews> {
  return VIEWS[engine]?.load() ?? Promise.resolve(LEAF);
}
