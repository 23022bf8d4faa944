import * as vscode from 'vscode';
import { type Engine, ENGINES } from './core/connections/profile';
import { loadedDriverModules } from './core/drivers';
import { ProfileStore } from './connections/profileStore';
import { SecretStore } from './connections/secretStore';
import { ConnectionService } from './connections/connectionService';
import { ConnectionCommands } from './commands/connectionCommands';
import { registerCommand } from './commands/register';
import { EngineTreeProvider } from './views/treeProvider';
import { ConnectionDecorations } from './views/connectionNode';
import { type PgLoadMoreNode, PgSchemaNode } from './views/postgres/nodes';
import type { UpkeepNode } from './views/node';
import { HistoryStore, historyToMarkdown } from './core/history/historyStore';
import { formatBytes } from './core/format';
import { DialogPrompter, type Prompter } from './app/prompter';
import { PgMaintenanceCommands } from './commands/postgres/maintenanceCommands';
import type { FlowDeps } from './app/operationFlow';
import { resolveTarget } from './commands/postgres/pgTarget';
import { ReportCommands, REPORT_KINDS } from './commands/postgres/reportCommands';
import { ReportPanels } from './webviews/reportPanels';
import { CapacityStore } from './core/postgres/reports/index';
import { reportThresholds } from './webviews/reportSettings';
import { ResultsPanel } from './webviews/resultsPanel';
import { FileConnections } from './editor/fileConnections';
import { StatementCodeLens } from './editor/codeLens';
import { QueryCommands, type RunArgs } from './editor/queryCommands';

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
}

/** Composition root: build the services, register the contributions, nothing else. */
export function activate(context: vscode.ExtensionContext): UpkeepApi {
  const log = vscode.window.createOutputChannel('Upkeep', { log: true });
  context.subscriptions.push(log);

  const profiles = new ProfileStore(log);
  const secrets = new SecretStore(context.secrets);
  const connections = new ConnectionService(profiles, secrets, log);
  context.subscriptions.push(profiles, connections);

  const trees = {} as Record<Engine, EngineTreeProvider>;
  for (const engine of ENGINES) {
    const provider = new EngineTreeProvider(engine, profiles, connections);
    trees[engine] = provider;
    const view = vscode.window.createTreeView(`upkeep.${engine}`, { treeDataProvider: provider, showCollapseAll: engine === 'postgres' });
    context.subscriptions.push(provider, view);
  }

  const decorations = new ConnectionDecorations((id) => profiles.get(id)?.profile);
  context.subscriptions.push(vscode.window.registerFileDecorationProvider(decorations), profiles.onDidChange(() => decorations.refresh()));

  const commands = new ConnectionCommands(profiles, secrets, connections);
  const register = (id: string, handler: (...args: never[]) => unknown): void => registerCommand(context, log, id, handler);
  register('upkeep.addConnection', (arg?: Engine | Parameters<ConnectionCommands['add']>[0]) => commands.add(arg));
  for (const engine of ENGINES) {
    register(`upkeep.${engine}.addConnection`, () => commands.add(engine));
    register(`upkeep.${engine}.refresh`, () => refreshView(trees[engine]));
  }
  register('upkeep.editConnection', (target?: Parameters<ConnectionCommands['edit']>[0]) => commands.edit(target));
  register('upkeep.removeConnection', (target?: Parameters<ConnectionCommands['remove']>[0], opts?: { confirm?: boolean }) => commands.remove(target, opts));
  register('upkeep.testConnection', (target?: Parameters<ConnectionCommands['test']>[0]) => commands.test(target));
  register('upkeep.setPassword', (target?: Parameters<ConnectionCommands['setPassword']>[0], password?: string) => commands.setPassword(target, password));
  register('upkeep.refreshNode', (node?: UpkeepNode) => refreshNode(trees, node));
  register('upkeep.loadMore', (node: PgLoadMoreNode) => node.schemaNode.loadMore());
  register('upkeep.showLog', () => log.show());

  const history = new HistoryStore(vscode.Uri.joinPath(context.globalStorageUri, 'history').fsPath);
  const dialogs = new DialogPrompter(() => vscode.workspace.getConfiguration('upkeep.maintenance').get<boolean>('confirmSafeOperations', true));
  let prompter: Prompter = dialogs;
  const flow: FlowDeps = { connections, history, log, prompter: () => prompter, refresh: () => refreshNode(trees) };
  const pg = new PgMaintenanceCommands(flow, profiles);
  register('upkeep.pg.vacuum', (node?: unknown, args?: Parameters<PgMaintenanceCommands['vacuum']>[1]) => pg.vacuum(node, args));
  register('upkeep.pg.analyze', (node?: unknown) => pg.analyze(node));
  register('upkeep.pg.reindex', (node?: unknown, args?: Parameters<PgMaintenanceCommands['reindex']>[1]) => pg.reindex(node, args));
  register('upkeep.pg.cluster', (node?: unknown, args?: Parameters<PgMaintenanceCommands['cluster']>[1]) => pg.cluster(node, args));
  register('upkeep.pg.checkpoint', (node?: unknown) => pg.checkpoint(node));
  register('upkeep.pg.createIndex', (node?: unknown, args?: Parameters<PgMaintenanceCommands['createIndex']>[1]) => pg.createIndex(node, args));
  register('upkeep.pg.dropIndex', (node?: unknown) => pg.dropIndex(node));
  register('upkeep.pg.cancelBackend', (node?: unknown) => pg.signalBackend(node, 'cancel'));
  register('upkeep.pg.terminateBackend', (node?: unknown) => pg.signalBackend(node, 'terminate'));
  const reportDeps = {
    extensionUri: context.extensionUri,
    connections,
    flow,
    log,
    capacity: new CapacityStore(vscode.Uri.joinPath(context.globalStorageUri, 'capacity').fsPath),
    thresholds: reportThresholds,
    profile: (id: string) => profiles.get(id)?.profile,
  };
  const reports = new ReportPanels(reportDeps);
  context.subscriptions.push(reports);
  const reportCommands = new ReportCommands(reports, reportDeps, profiles);
  register('upkeep.pg.report', (node?: unknown, kind?: Parameters<ReportCommands['open']>[1]) => reportCommands.open(node, kind));
  for (const kind of REPORT_KINDS) register(`upkeep.pg.report.${kind}`, (node?: unknown) => reportCommands.open(node, kind));
  register('upkeep.pg.exportReport', (node?: unknown, kind?: Parameters<ReportCommands['export']>[1], format?: Parameters<ReportCommands['export']>[2], target?: vscode.Uri) =>
    reportCommands.export(node, kind, format, target),
  );
  register('upkeep.pg.showHistory', async (node?: unknown) => {
    const t = await resolveTarget(node, ['connection'], profiles, connections);
    const entries = await history.read(t.profile.id);
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: historyToMarkdown(t.profile.name, entries, formatBytes) });
    await vscode.window.showTextDocument(doc, { preview: true });
    return entries;
  });

  const results = new ResultsPanel(context.extensionUri, log, () => vscode.workspace.getConfiguration('upkeep.results').get<number>('maxRows', 1000));
  const fileConnections = new FileConnections(context.workspaceState, profiles);
  const codeLens = new StatementCodeLens();
  context.subscriptions.push(results, fileConnections, codeLens, vscode.languages.registerCodeLensProvider([{ language: 'sql' }, { language: 'cypher' }], codeLens));
  const queries = new QueryCommands({ connections, files: fileConnections, results, log, prompter: () => prompter, dialogs });
  register('upkeep.query.run', (uri?: vscode.Uri, index?: number, args?: RunArgs) => queries.run(uri, index, args));
  register('upkeep.query.runOn', (uri?: vscode.Uri, index?: number) => queries.run(uri, index, { pick: true }));
  register('upkeep.query.explain', (uri?: vscode.Uri, index?: number) => queries.run(uri, index, { mode: 'explain' }));
  register('upkeep.query.explainAnalyze', (uri?: vscode.Uri, index?: number) => queries.run(uri, index, { mode: 'explain-analyze' }));
  register('upkeep.query.runAll', (uri?: vscode.Uri) => queries.runAll(uri));
  register('upkeep.query.pickConnection', () => queries.pickConnection());

  log.info(`Upkeep activated in VS Code ${vscode.version} (${vscode.env.appHost}).`);
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
    reports,
    setPrompter: (p) => {
      prompter = p ?? dialogs;
    },
    results,
    fileConnections,
    codeLens,
  };
}

function refreshView(provider: EngineTreeProvider): void {
  provider.refresh();
}

function refreshNode(trees: Record<Engine, EngineTreeProvider>, node?: UpkeepNode): void {
  if (node instanceof PgSchemaNode) node.invalidate();
  // After an operation the whole view is re-read (connection nodes are rebuilt, so schema pages reload too).
  for (const provider of Object.values(trees)) provider.refresh(node);
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
