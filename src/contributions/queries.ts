/** Statements of .sql and .cypher files: their CodeLens, the connection each file runs on, the run commands and the results grid. */
import * as vscode from 'vscode';
import { lazy } from '../app/lazy';
import { StatementCodeLens } from '../editor/codeLens';
import { FileConnections } from '../editor/fileConnections';
import type * as QueryCommandsModule from '../editor/queryCommands';
import type { RunArgs } from '../editor/queryCommands';
import type * as ResultsPanelModule from '../webviews/resultsPanel';
import type { ResultsPanel } from '../webviews/resultsPanel';
import { kept, type Contribution } from './context';

/* eslint-disable @typescript-eslint/no-require-imports -- each chunk loads the first time a command needs it */
const queryCommandsModule = lazy(() => require('../editor/queryCommands') as typeof QueryCommandsModule);
const resultsPanelModule = lazy(() => require('../webviews/resultsPanel') as typeof ResultsPanelModule);
/* eslint-enable @typescript-eslint/no-require-imports */

export interface Queries {
  results: () => ResultsPanel;
  fileConnections: FileConnections;
  codeLens: StatementCodeLens;
}

export function registerQueries(c: Contribution): Queries {
  const { register } = c;
  const results = lazy(() =>
    kept(c, new (resultsPanelModule().ResultsPanel)(c.context.extensionUri, c.log, () => vscode.workspace.getConfiguration('upkeep.results').get<number>('maxRows', 1000))),
  );
  const fileConnections = new FileConnections(c.context.workspaceState, c.profiles);
  const codeLens = new StatementCodeLens();
  c.context.subscriptions.push(fileConnections, codeLens, vscode.languages.registerCodeLensProvider([{ language: 'sql' }, { language: 'cypher' }], codeLens));
  const queries = lazy(() => new (queryCommandsModule().QueryCommands)({ connections: c.connections, files: fileConnections, results: results(), log: c.log, prompter: c.prompter, dialogs: c.dialogs }));
  register('upkeep.query.run', (uri?: vscode.Uri, index?: number, args?: RunArgs) => queries().run(uri, index, args));
  register('upkeep.query.runOn', (uri?: vscode.Uri, index?: number) => queries().run(uri, index, { pick: true }));
  register('upkeep.query.explain', (uri?: vscode.Uri, index?: number) => queries().run(uri, index, { mode: 'explain' }));
  register('upkeep.query.explainAnalyze', (uri?: vscode.Uri, index?: number) => queries().run(uri, index, { mode: 'explain-analyze' }));
  register('upkeep.query.runAll', (uri?: vscode.Uri) => queries().runAll(uri));
  register('upkeep.query.pickConnection', () => queries().pickConnection());
  return { results, fileConnections, codeLens };
}
