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
import { HEALTH_VIEW_TYPE } from './webviews/healthProtocol';
import { REPORT_KINDS } from './core/postgres/reports/model';
import type { ReportPanels } from './webviews/reportPanels';
import type { ResultsPanel } from './webviews/resultsPanel';
import { FileConnections } from './editor/fileConnections';
import { StatementCodeLens } from './editor/codeLens';
import type { RunArgs } from './editor/queryCommands';
// Types only: these modules are required at first use (chunks in the bundle), never at activation.
import type * as ConnectionCommandsModule from './commands/connectionCommands';
import type * as PostgresCommandsModule from './commands/postgres/index';
import type * as DockerCommandsModule from './commands/docker/index';
import type * as RedisOpsModule from './commands/redis/operations';
import { REDIS_OPS_COMMANDS as RedisOpsNames } from './commands/redis/commandNames';
import type * as Neo4jCommandsModule from './commands/neo4j/index';
import type * as QueryCommandsModule from './editor/queryCommands';
import type * as ResultsPanelModule from './webviews/resultsPanel';
import type * as DockerObserveModule from './commands/docker/observe';
import type * as ReportPanelsModule from './webviews/reportPanels';
import type * as RedisReportCommandsModule from './commands/redis/reportCommands';
import type * as Neo4jReportCommandsModule from './commands/neo4j/reportCommands';
import type * as BackupCommandsModule from './commands/backup/index';
import type * as BackupReportModule from './commands/backup/report';
import type * as RedisViewsModule from './views/redis/index';
import type * as RabbitCommandsModule from './commands/rabbitmq/index';
import type * as RabbitReportCommandsModule from './commands/rabbitmq/reportCommands';
import { nodeOfKind } from './views/node';
import { REDIS_VALUE_SCHEME } from './views/redis/scheme';
import type * as HealthMonitorModule from './app/health/monitor';
import type * as HealthPanelModule from './webviews/healthPanel';
import type { HealthRun } from './core/health/model';
import type { ReportLinkArgs } from './core/health/links';

/* eslint-disable @typescript-eslint/no-require-imports -- each require below loads a chunk the first time a command needs it */
const connectionCommandsModule = lazy(() => require('./commands/connectionCommands') as typeof ConnectionCommandsModule);
const postgresCommandsModule = lazy(() => require('./commands/postgres/index') as typeof PostgresCommandsModule);
const dockerCommandsModule = lazy(() => require('./commands/docker/index') as typeof DockerCommandsModule);
const redisOpsModule = lazy(() => require('./commands/redis/operations') as typeof RedisOpsModule);
const neo4jCommandsModule = lazy(() => require('./commands/neo4j/index') as typeof Neo4jCommandsModule);
const queryCommandsModule = lazy(() => require('./editor/queryCommands') as typeof QueryCommandsModule);
const resultsPanelModule = lazy(() => require('./webviews/resultsPanel') as typeof ResultsPanelModule);
const dockerObserveModule = lazy(() => require('./commands/docker/observe') as typeof DockerObserveModule);
const reportPanelsModule = lazy(() => require('./webviews/reportPanels') as typeof ReportPanelsModule);
const redisReportCommandsModule = lazy(() => require('./commands/redis/reportCommands') as typeof RedisReportCommandsModule);
const neo4jReportCommandsModule = lazy(() => require('./commands/neo4j/reportCommands') as typeof Neo4jReportCommandsModule);
const backupCommandsModule = lazy(() => require('./commands/backup/index') as typeof BackupCommandsModule);
const backupReportModule = lazy(() => require('./commands/backup/report') as typeof BackupReportModule);
const redisViewsModule = lazy(() => require('./views/redis/index') as typeof RedisViewsModule);
const healthMonitorModule = lazy(() => require('./app/health/monitor') as typeof HealthMonitorModule);
const healthPanelModule = lazy(() => require('./webviews/healthPanel') as typeof HealthPanelModule);
const rabbitCommandsModule = lazy(() => require('./commands/rabbitmq/index') as typeof RabbitCommandsModule);
const rabbitReportCommandsModule = lazy(() => require('./commands/rabbitmq/reportCommands') as typeof RabbitReportCommandsModule);
/* eslint-enable @typescript-eslint/no-require-imports */

type ConnectionCommands = ConnectionCommandsModule.ConnectionCommands;
type PgCommands = PostgresCommandsModule.PostgresCommands;
type PgMaintenance = PgCommands['maintenance'];
type PgReports = PgCommands['reportCommands'];
type Backups = BackupCommandsModule.BackupCommands;

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
  health: {
    run(): Promise<HealthRun>;
    lastRun(): HealthRun | undefined;
    statusBar(): { text: string; tooltip: string; worst: string; visible: boolean };
    panel(): HealthPanelModule.HealthPanelSnapshot | undefined;
    /** The healthy → critical notifications the monitor has shown, their words, oldest first. */
    notified(): string[];
    /** What the Health panel's serializer does with a panel VS Code hands back after a reload. */
    restorePanel(panel: vscode.WebviewPanel): void;
  };
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

  const pg = lazy(() => {
    const made = new (postgresCommandsModule().PostgresCommands)({ flow, profiles, reports });
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
  const redisReports = lazy(() => new (redisReportCommandsModule().RedisReportCommands)(reports, connections, profiles));
  type RedisReportKind = RedisReportCommandsModule.RedisReportKind;
  register('upkeep.redis.report', (node?: unknown, kind?: RedisReportKind) => redisReports().open(node, kind));
  register('upkeep.redis.report.memory', (node?: unknown) => redisReports().open(node, 'memory'));
  register('upkeep.redis.report.health', (node?: unknown) => redisReports().open(node, 'health'));
  register('upkeep.redis.exportReport', (node?: unknown, kind?: RedisReportKind, format?: Parameters<PgReports['export']>[2], target?: vscode.Uri) =>
    redisReports().export(node, kind, format, target),
  );

  const neo4j = lazy(() => new (neo4jCommandsModule().Neo4jCommands)(flow));
  type Neo4jCmds = Neo4jCommandsModule.Neo4jCommands;
  register('upkeep.neo4j.createIndex', (node?: unknown, args?: Parameters<Neo4jCmds['createIndex']>[1]) => neo4j().createIndex(node, args));
  register('upkeep.neo4j.dropIndex', (node?: unknown) => neo4j().dropIndex(node));
  register('upkeep.neo4j.rebuildIndex', (node?: unknown) => neo4j().rebuildIndex(node));
  register('upkeep.neo4j.dropConstraint', (node?: unknown) => neo4j().dropConstraint(node));
  register('upkeep.neo4j.terminateTransaction', (node?: unknown) => neo4j().terminateTransaction(node));
  register('upkeep.neo4j.checkpoint', (node?: unknown) => neo4j().checkpoint(node));
  register('upkeep.neo4j.deleteOrphans', (node?: unknown, args?: Parameters<Neo4jCmds['deleteOrphans']>[1]) => neo4j().deleteOrphans(node, args));
  register('upkeep.neo4j.findDuplicates', (node?: unknown, args?: Parameters<Neo4jCmds['findDuplicates']>[1]) => neo4j().findDuplicates(node, args));
  const neo4jReports = lazy(() => new (neo4jReportCommandsModule().Neo4jReportCommands)(reports, connections, profiles));
  register('upkeep.neo4j.report.schema', (node?: unknown) => neo4jReports().open(node));
  register('upkeep.neo4j.exportReport', (node?: unknown, format?: Parameters<PgReports['export']>[2], target?: vscode.Uri) =>
    neo4jReports().export(node, format, target),
  );
  // Registered at activation so panels come back after a reload; their code loads only then.
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel, saved: unknown) => {
        reports().restore(panel, saved);
        return Promise.resolve();
      },
    }),
  );

  // Docker logs, error counts, stats, exec terminal, volume backup/restore: the docker-observe chunk, made at first use.
  const dockerObserve = lazy(() => {
    const made = new (dockerObserveModule().DockerObserveCommands)({ flow, profiles, extensionUri: context.extensionUri });
    context.subscriptions.push(made);
    return made;
  });
  type DockerLogArgs = DockerObserveModule.LogArgs;
  register('upkeep.docker.logs', (node?: unknown, args?: DockerLogArgs) => dockerObserve().logs.open(node, args));
  register('upkeep.docker.stopFollowingLogs', (uri?: vscode.Uri) => dockerObserve().logs.stop(uri instanceof vscode.Uri ? uri : undefined));
  register('upkeep.docker.countErrors', (node?: unknown, args?: DockerLogArgs & { pattern?: string }) => dockerObserve().logs.countErrors(node, args));
  register('upkeep.docker.stats', (node?: unknown, args?: DockerObserveModule.DockerTargetArgs) => dockerObserve().stats.open(node, args));
  register('upkeep.docker.exec', (node?: unknown, args?: DockerObserveModule.ExecArgs) => dockerObserve().exec.open(node, args));
  register('upkeep.docker.backupVolume', (node?: unknown, args?: DockerObserveModule.BackupArgs) => dockerObserve().volumes.backup(node, args));
  register('upkeep.docker.restoreVolume', (node?: unknown, args?: DockerObserveModule.RestoreArgs) => dockerObserve().volumes.restore(node, args));
  const docker = lazy(() => new (dockerCommandsModule().DockerCommands)({ flow, profiles, credentials }));
  for (const action of ['start', 'stop', 'restart', 'pause', 'unpause', 'remove'] as const) {
    register(`upkeep.docker.${action}`, (node?: unknown, args?: { removeVolumes?: boolean }) => docker().containerAction(action, node, args));
  }
  register('upkeep.docker.prune', (node?: unknown, args?: DockerCommandsModule.PruneArgs) => docker().prune(node, args));
  register('upkeep.docker.createConnection', (node?: unknown, args?: DockerCommandsModule.CreateArgs) => docker().databases.createConnection(node, args));
  register('upkeep.docker.createDatabaseConnections', (args?: DockerCommandsModule.CreateArgs) => docker().databases.createAll(args));
  // Redis maintenance: each command's method has the command's name; node (or nothing: it asks) and optional args.
  const redisOps = lazy(() => new (redisOpsModule().RedisOpsCommands)(flow, profiles));
  for (const name of RedisOpsNames) {
    register(`upkeep.redis.${name}`, (node?: unknown, args?: never) => (redisOps()[name] as (node?: unknown, args?: never) => unknown).call(redisOps(), node, args));
  }
  const backups = lazy(() => new (backupCommandsModule().BackupCommands)({ flow, profiles, storageDir: context.globalStorageUri.fsPath }));
  register('upkeep.backup.backupNow', (node?: unknown, args?: Parameters<Backups['backupNow']>[1]) => backups().backupNow(node, args));
  register('upkeep.backup.verify', (node?: unknown, args?: Parameters<Backups['verify']>[1]) => backups().verify(node, args));
  register('upkeep.backup.list', (node?: unknown, args?: Parameters<Backups['list']>[1]) => backups().list(node, args));
  register('upkeep.backup.restore', (node?: unknown, args?: Parameters<Backups['restore']>[1]) => backups().restore(node, args));
  register('upkeep.backup.report', () => reports().showGlobal('backups'));
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

  // RabbitMQ: queue, connection and policy operations and the definitions (rabbitmq-commands chunk), its report (rabbitmq-report-commands).
  const rabbit = lazy(() => {
    const made = new (rabbitCommandsModule().RabbitCommands)(flow, profiles);
    context.subscriptions.push(made);
    return made;
  });
  type RabbitCmds = RabbitCommandsModule.RabbitCommands;
  register('upkeep.rabbitmq.purge', (node?: unknown, args?: Parameters<RabbitCmds['purge']>[1]) => rabbit().purge(node, args));
  register('upkeep.rabbitmq.deleteQueue', (node?: unknown, args?: Parameters<RabbitCmds['deleteQueue']>[1]) => rabbit().deleteQueue(node, args));
  register('upkeep.rabbitmq.closeConnection', (node?: unknown, args?: Parameters<RabbitCmds['closeConnection']>[1]) => rabbit().closeConnection(node, args));
  register('upkeep.rabbitmq.peek', (node?: unknown, args?: Parameters<RabbitCmds['peek']>[1]) => rabbit().peek(node, args));
  register('upkeep.rabbitmq.setPolicy', (node?: unknown, args?: Parameters<RabbitCmds['setPolicy']>[1]) => rabbit().setPolicy(node, args));
  register('upkeep.rabbitmq.deletePolicy', (node?: unknown, args?: Parameters<RabbitCmds['deletePolicy']>[1]) => rabbit().deletePolicy(node, args));
  register('upkeep.rabbitmq.exportDefinitions', (node?: unknown, args?: RabbitCommandsModule.ExportArgs) => rabbit().definitions.export(node, args));
  register('upkeep.rabbitmq.importDefinitions', (node?: unknown, args?: RabbitCommandsModule.ImportArgs) => rabbit().definitions.import(node, args));
  register('upkeep.rabbitmq.loadMore', (node?: unknown) => nodeOfKind<UpkeepNode & { list: { loadMore(): Promise<void> } }>(node, 'rabbitmq-load-more')?.list.loadMore());
  const rabbitReports = lazy(() => new (rabbitReportCommandsModule().RabbitReportCommands)(reports, connections, profiles, () => prompter));
  register('upkeep.rabbitmq.report.health', (node?: unknown) => rabbitReports().open(node));
  register('upkeep.rabbitmq.exportReport', (node?: unknown, format?: Parameters<PgReports['export']>[2], target?: vscode.Uri) => rabbitReports().export(node, format, target));

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

  // Health of every connection and endpoint: the monitor (status bar, interval) and the panel load at first use.
  const health = lazy(() => {
    const made = new (healthMonitorModule().HealthMonitor)({ profiles, connections, log, storageDir: context.globalStorageUri.fsPath });
    context.subscriptions.push(made);
    return made;
  });
  let healthPanelsMade = false;
  const healthPanels = lazy(() => {
    const made = new (healthPanelModule().HealthPanels)(context.extensionUri, health(), log);
    healthPanelsMade = true;
    context.subscriptions.push(made);
    return made;
  });
  // Registered at activation so the Health panel comes back after a reload; its code loads only then.
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(HEALTH_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel) => {
        healthPanels().restore(panel);
        return Promise.resolve();
      },
    }),
  );
  register('upkeep.health.run', () => health().run());
  register('upkeep.health.show', () => healthPanels().show());
  register('upkeep.health.openReport', (args?: ReportLinkArgs) => {
    if (!args || typeof args.connectionId !== 'string' || typeof args.kind !== 'string' || typeof args.database !== 'string') return undefined;
    return reports().show(args.kind, args.connectionId, args.database);
  });
  register('upkeep.health.showConnection', async (args?: { connectionId?: string }) => {
    const profile = args?.connectionId ? profiles.get(args.connectionId)?.profile : undefined;
    if (!profile) return;
    await vscode.commands.executeCommand(`upkeep.${profile.engine}.focus`);
    const node = trees[profile.engine].connectionNodes().find((n) => n.profile.id === profile.id);
    if (node) await views[profile.engine].reveal(node, { select: true, focus: true, expand: true });
  });
  // The monitor starts after activation (its code is a chunk), only when its interval is on.
  const healthStart = setTimeout(() => {
    if (vscode.workspace.getConfiguration('upkeep.health').get<number>('intervalSeconds', 300) > 0) health().start();
  }, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(healthStart) });

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
    health: {
      run: () => health().run(),
      lastRun: () => health().lastRun,
      statusBar: () => health().shown(),
      panel: () => (healthPanelsMade ? healthPanels().snapshot() : undefined),
      notified: () => health().notified(),
      restorePanel: (panel) => healthPanels().restore(panel),
    },
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
