import * as vscode from 'vscode';
import { ENGINES, type Engine } from './core/connections/profile';
import { loadedDriverModules } from './core/drivers';
import { ProfileStore } from './connections/profileStore';
import { SecretStore } from './connections/secretStore';
import { ConnectionService } from './connections/connectionService';
import { CredentialResolver } from './connections/credentials';
import { KnownSecrets, redactingLogger } from './core/connections/redact';
import { registerCommand } from './commands/register';
import { EngineTreeProvider } from './views/treeProvider';
import { showCollapseAll } from './views/registry';
import { ConnectionDecorations } from './views/connectionNode';
import type { UpkeepNode } from './views/node';
import type { PgLoadMoreNode } from './views/postgres/nodes';
import { HistoryStore } from './core/history/historyStore';
import { DialogPrompter, type Prompter } from './app/prompter';
import type { FlowDeps } from './app/operationFlow';
import { lazy } from './app/lazy';
import { REPORT_VIEW_TYPE } from './webviews/protocol';
import type { ReportPanels } from './webviews/reportPanels';
import type { ResultsPanel } from './webviews/resultsPanel';
import type { FileConnections } from './editor/fileConnections';
import type { StatementCodeLens } from './editor/codeLens';
// Types only: these modules are required at first use (chunks in the bundle), never at activation.
import type * as ConnectionCommandsModule from './commands/connectionCommands';
import type * as ReportPanelsModule from './webviews/reportPanels';
import type * as BackupReportModule from './commands/backup/report';
import type { Contribution } from './contributions/context';
import { registerPostgres } from './contributions/postgres';
import { registerNeo4j } from './contributions/neo4j';
import { registerRedis } from './contributions/redis';
import { registerDocker } from './contributions/docker';
import { registerRabbitmq } from './contributions/rabbitmq';
import { registerBackups } from './contributions/backups';
import { registerQueries } from './contributions/queries';
import { registerHealth, type HealthApi } from './contributions/health';

/* eslint-disable @typescript-eslint/no-require-imports -- each require below loads a chunk the first time a command needs it */
const connectionCommandsModule = lazy(() => require('./commands/connectionCommands') as typeof ConnectionCommandsModule);
const reportPanelsModule = lazy(() => require('./webviews/reportPanels') as typeof ReportPanelsModule);
const backupReportModule = lazy(() => require('./commands/backup/report') as typeof BackupReportModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type ConnectionCommands = ConnectionCommandsModule.ConnectionCommands;

/** What activate() returns: used by the extension-host tests, and by nothing else. */
export interface UpkeepApi {
  profiles: ProfileStore;
  secrets: SecretStore;
  connections: ConnectionService;
  trees: Record<Engine, EngineTreeProvider>;
  /** Everything the extension keeps in globalState/workspaceState, to prove no secret is there. */
  storedState(): Record<string, unknown>;
  loadedDrivers(): string[];
  history: HistoryStore;
  reports: ReportPanels;
  /** Replaces the confirmation dialogs (tests answer them; undefined restores the dialogs). */
  setPrompter(prompter: Prompter | undefined): void;
  results: ResultsPanel;
  fileConnections: FileConnections;
  codeLens: StatementCodeLens;
  /** How long activate() itself took, in ms (the bench reads it). */
  activationMs: number;
  /** The health monitor: its last run, the status bar's words, the panel's record of links opened. */
  health: HealthApi;
}

/** Composition root: build the services, register the contributions, nothing else. */
export function activate(context: vscode.ExtensionContext): UpkeepApi {
  const started = performance.now();
  const channel = vscode.window.createOutputChannel('Upkeep', { log: true });
  context.subscriptions.push(channel);
  // Every line is cleaned of every password read in this session, whoever writes it.
  const known = new KnownSecrets();
  const log = redactingLogger(channel, known);

  const profiles = new ProfileStore(log);
  const secrets = new SecretStore(context.secrets);
  const credentials = new CredentialResolver(secrets, profiles, known, log);
  const connections = new ConnectionService(profiles, secrets, credentials, known, log);
  context.subscriptions.push(profiles, connections);

  const trees = {} as Record<Engine, EngineTreeProvider>;
  const views = {} as Record<Engine, vscode.TreeView<UpkeepNode>>;
  for (const engine of ENGINES) {
    const provider = new EngineTreeProvider(engine, profiles, connections);
    trees[engine] = provider;
    const view = vscode.window.createTreeView(`upkeep.${engine}`, { treeDataProvider: provider, showCollapseAll: showCollapseAll(engine) });
    provider.setVisible(view.visible);
    context.subscriptions.push(provider, view, view.onDidChangeVisibility((e) => provider.setVisible(e.visible)));
    views[engine] = view;
    context.subscriptions.push(provider, view);
  }

  const decorations = new ConnectionDecorations((id) => profiles.get(id)?.profile);
  context.subscriptions.push(vscode.window.registerFileDecorationProvider(decorations), profiles.onDidChange(() => decorations.refresh()));

  const register = (id: string, handler: (...args: never[]) => unknown): void => registerCommand(context, log, id, handler, (t) => known.redact(t));
  const commands = lazy(() => new (connectionCommandsModule().ConnectionCommands)(profiles, secrets, connections, credentials));
  register('upkeep.addConnection', (arg?: Parameters<ConnectionCommands['add']>[0]) => commands().add(arg));
  for (const engine of ENGINES) {
    register(`upkeep.${engine}.addConnection`, () => commands().add(engine));
    register(`upkeep.${engine}.refresh`, () => refreshView(trees[engine]));
  }
  register('upkeep.editConnection', (target?: Parameters<ConnectionCommands['edit']>[0]) => commands().edit(target));
  register('upkeep.removeConnection', (target?: Parameters<ConnectionCommands['remove']>[0], opts?: { confirm?: boolean }) => commands().remove(target, opts));
  register('upkeep.testConnection', (target?: Parameters<ConnectionCommands['test']>[0]) => commands().test(target));
  register('upkeep.setPassword', (target?: Parameters<ConnectionCommands['setPassword']>[0], password?: string) => commands().setPassword(target, password));
  register('upkeep.confirmPasswordTarget', (target?: Parameters<ConnectionCommands['confirmPasswordTarget']>[0], opts?: { confirm?: boolean }) =>
    commands().confirmPasswordTarget(target, opts),
  );
  register('upkeep.refreshNode', (node?: UpkeepNode) => refreshNode(trees, node));
  register('upkeep.loadMore', (node: PgLoadMoreNode) => node.schemaNode.loadMore());
  register('upkeep.showLog', () => channel.show());

  const history = new HistoryStore(vscode.Uri.joinPath(context.globalStorageUri, 'history').fsPath);
  const dialogs = new DialogPrompter();
  let prompter: Prompter = dialogs;
  const flow: FlowDeps = { connections, history, log, prompter: () => prompter, refresh: () => refreshNode(trees) };

  // The report panels of every engine: made at the first report command, or when a panel comes back after a reload.
  const reports = lazy(() => {
    const made = new (reportPanelsModule().ReportPanels)({
      extensionUri: context.extensionUri,
      connections,
      flow,
      log,
      storageDir: context.globalStorageUri.fsPath,
      profile: (id: string) => profiles.get(id)?.profile,
      // Reports over every connection: their code loads when one is first computed.
      globalReports: { backups: lazy(() => backupReportModule().backupsGlobalReport({ connections, profiles, log, storageDir: context.globalStorageUri.fsPath })) },
    });
    context.subscriptions.push(made);
    return made;
  });

  // Registered at activation so report panels come back after a reload; their code loads only then.
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel, saved: unknown) => {
        reports().restore(panel, saved);
        return Promise.resolve();
      },
    }),
  );

  const contribution: Contribution = { context, register, log, profiles, connections, credentials, flow, reports, trees, views, prompter: () => prompter, dialogs };
  registerPostgres(contribution);
  registerRedis(contribution);
  registerNeo4j(contribution);
  registerDocker(contribution);
  registerRabbitmq(contribution);
  registerBackups(contribution);
  const { results, fileConnections, codeLens } = registerQueries(contribution);
  const health = registerHealth(contribution);

  const activationMs = performance.now() - started;
  log.info(`Upkeep activated in VS Code ${vscode.version} (${vscode.env.appHost}) in ${activationMs.toFixed(1)} ms.`);
  return {
    profiles,
    secrets,
    connections,
    trees,
    storedState: () => {
      const out: Record<string, unknown> = {};
      for (const k of context.globalState.keys()) out[`global:${k}`] = context.globalState.get(k);
      for (const k of context.workspaceState.keys()) out[`workspace:${k}`] = context.workspaceState.get(k);
      return out;
    },
    loadedDrivers: loadedDriverModules,
    history,
    get reports(): ReportPanels {
      return reports();
    },
    setPrompter: (p) => {
      prompter = p ?? dialogs;
    },
    get results(): ResultsPanel {
      return results();
    },
    fileConnections,
    codeLens,
    activationMs,
    health,
  };
}

function refreshView(provider: EngineTreeProvider): void {
  provider.refresh();
}

function refreshNode(trees: Record<Engine, EngineTreeProvider>, node?: UpkeepNode): void {
  node?.invalidate();
  // After an operation the whole view is re-read (connection nodes are rebuilt, so schema pages reload too).
  for (const provider of Object.values(trees)) provider.refresh(node);
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
