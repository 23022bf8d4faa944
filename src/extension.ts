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
import { REPORT_KINDS } from './core/postgres/reports/model';
import type { ReportPanels } from './webviews/reportPanels';
import type { ResultsPanel } from './webviews/resultsPanel';
import { FileConnections } from './editor/fileConnections';
import { StatementCodeLens } from './editor/codeLens';
import type { RunArgs } from './editor/queryCommands';
// Types only: these modules are required at first use (chunks in the bundle), never at activation.
import type * as ConnectionCommandsModule from './commands/connectionCommands';
import type * as PostgresCommandsModule from './commands/postgres/index';
import type * as QueryCommandsModule from './editor/queryCommands';
import type * as ResultsPanelModule from './webviews/resultsPanel';
import type * as RedisViewsModule from './views/redis/index';
import { REDIS_VALUE_SCHEME } from './views/redis/scheme';

/* eslint-disable @typescript-eslint/no-require-imports -- each require below loads a chunk the first time a command needs it */
const connectionCommandsModule = lazy(() => require('./commands/connectionCommands') as typeof ConnectionCommandsModule);
const postgresCommandsModule = lazy(() => require('./commands/postgres/index') as typeof PostgresCommandsModule);
const queryCommandsModule = lazy(() => require('./editor/queryCommands') as typeof QueryCommandsModule);
const resultsPanelModule = lazy(() => require('./webviews/resultsPanel') as typeof ResultsPanelModule);
const redisViewsModule = lazy(() => require('./views/redis/index') as typeof RedisViewsModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type ConnectionCommands = ConnectionCommandsModule.ConnectionCommands;
type PgCommands = PostgresCommandsModule.PostgresCommands;
type PgMaintenance = PgCommands['maintenance'];
type PgReports = PgCommands['reportCommands'];

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

  const pg = lazy(() => {
    const made = new (postgresCommandsModule().PostgresCommands)({
      flow,
      profiles,
      extensionUri: context.extensionUri,
      capacityDir: vscode.Uri.joinPath(context.globalStorageUri, 'capacity').fsPath,
    });
    context.subscriptions.push(made);
    return made;
  });
  const pgm = (): PgMaintenance => pg().maintenance;
  register('upkeep.pg.vacuum', (node?: unknown, args?: Parameters<PgMaintenance['vacuum']>[1]) => pgm().vacuum(node, args));
  register('upkeep.pg.analyze', (node?: unknown) => pgm().analyze(node));
  register('upkeep.pg.reindex', (node?: unknown, args?: Parameters<PgMaintenance['reindex']>[1]) => pgm().reindex(node, args));
  register('upkeep.pg.cluster', (node?: unknown, args?: Parameters<PgMaintenance['cluster']>[1]) => pgm().cluster(node, args));
  register('upkeep.pg.checkpoint', (node?: unknown) => pgm().checkpoint(node));
  register('upkeep.pg.createIndex', (node?: unknown, args?: Parameters<PgMaintenance['createIndex']>[1]) => pgm().createIndex(node, args));
  register('upkeep.pg.dropIndex', (node?: unknown) => pgm().dropIndex(node));
  register('upkeep.pg.cancelBackend', (node?: unknown) => pgm().signalBackend(node, 'cancel'));
  register('upkeep.pg.terminateBackend', (node?: unknown) => pgm().signalBackend(node, 'terminate'));
  register('upkeep.pg.report', (node?: unknown, kind?: Parameters<PgReports['open']>[1]) => pg().reportCommands.open(node, kind));
  for (const kind of REPORT_KINDS) register(`upkeep.pg.report.${kind}`, (node?: unknown) => pg().reportCommands.open(node, kind));
  register('upkeep.pg.exportReport', (node?: unknown, kind?: Parameters<PgReports['export']>[1], format?: Parameters<PgReports['export']>[2], target?: vscode.Uri) =>
    pg().reportCommands.export(node, kind, format, target),
  );
  register('upkeep.pg.showHistory', (node?: unknown) => pg().showHistory(node));
  // Registered at activation so panels come back after a reload; their code loads only then.
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel, saved: unknown) => {
        pg().reports.restore(panel, saved);
        return Promise.resolve();
      },
    }),
  );

  // The Redis view's commands and value documents (redis-views chunk, required at first use).
  const redisValueChanged = new vscode.EventEmitter<vscode.Uri>();
  const redis = lazy(() => {
    const made = new (redisViewsModule().RedisTreeCommands)({ connections, profiles, view: views.redis, refresh: () => trees.redis.refresh(), valueChanged: redisValueChanged });
    context.subscriptions.push(made);
    return made;
  });
  register('upkeep.redis.openKey', (node?: unknown) => redis().openKey(node));
  register('upkeep.redis.filter', (args?: Parameters<ReturnType<typeof redis>['filter']>[0]) => redis().filter(args));
  register('upkeep.redis.clearFilter', () => redis().clearFilter());
  register('upkeep.redis.loadMore', (target?: unknown) => redis().loadMore(target));
  // A new delimiter, page size or threshold shows at once: the Redis view is read again.
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('upkeep.redis') && trees.redis.refresh()));
  // Registered at activation so a value tab restored after a reload finds its provider; the code loads at that first read.
  context.subscriptions.push(
    redisValueChanged,
    vscode.workspace.registerTextDocumentContentProvider(REDIS_VALUE_SCHEME, {
      onDidChange: redisValueChanged.event,
      provideTextDocumentContent: (uri) => redis().values.provide(uri),
    }),
  );

  const results = lazy(() => {
    const made = new (resultsPanelModule().ResultsPanel)(context.extensionUri, log, () => vscode.workspace.getConfiguration('upkeep.results').get<number>('maxRows', 1000));
    context.subscriptions.push(made);
    return made;
  });
  const fileConnections = new FileConnections(context.workspaceState, profiles);
  const codeLens = new StatementCodeLens();
  context.subscriptions.push(fileConnections, codeLens, vscode.languages.registerCodeLensProvider([{ language: 'sql' }, { language: 'cypher' }], codeLens));
  const queries = lazy(() => new (queryCommandsModule().QueryCommands)({ connections, files: fileConnections, results: results(), log, prompter: () => prompter, dialogs }));
  register('upkeep.query.run', (uri?: vscode.Uri, index?: number, args?: RunArgs) => queries().run(uri, index, args));
  register('upkeep.query.runOn', (uri?: vscode.Uri, index?: number) => queries().run(uri, index, { pick: true }));
  register('upkeep.query.explain', (uri?: vscode.Uri, index?: number) => queries().run(uri, index, { mode: 'explain' }));
  register('upkeep.query.explainAnalyze', (uri?: vscode.Uri, index?: number) => queries().run(uri, index, { mode: 'explain-analyze' }));
  register('upkeep.query.runAll', (uri?: vscode.Uri) => queries().runAll(uri));
  register('upkeep.query.pickConnection', () => queries().pickConnection());

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
      return pg().reports;
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
