/**
 * What every engine's contribution (its commands, providers and panels)
 * gets from the composition root in extension.ts. Each file here registers
 * one part of the product at activation and requires its code (a chunk) only
 * when a command of it first runs.
 */
import type * as vscode from 'vscode';
import type { Engine } from '../core/connections/profile';
import type { Logger } from '../core/log';
import type { ProfileStore } from '../connections/profileStore';
import type { ConnectionService } from '../connections/connectionService';
import type { CredentialResolver } from '../connections/credentials';
import type { FlowDeps } from '../app/operationFlow';
import type { DialogPrompter, Prompter } from '../app/prompter';
import type { EngineTreeProvider } from '../views/treeProvider';
import type { UpkeepNode } from '../views/node';
import type { ReportPanels } from '../webviews/reportPanels';

export type Register = (id: string, handler: (...args: never[]) => unknown) => void;

export interface Contribution {
  context: vscode.ExtensionContext;
  register: Register;
  log: Logger;
  profiles: ProfileStore;
  connections: ConnectionService;
  credentials: CredentialResolver;
  flow: FlowDeps;
  /** The report panels of every engine, made at first use. */
  reports: () => ReportPanels;
  trees: Record<Engine, EngineTreeProvider>;
  views: Record<Engine, vscode.TreeView<UpkeepNode>>;
  /** The current prompter (tests replace the dialogs). */
  prompter: () => Prompter;
  dialogs: DialogPrompter;
}

/** Something made at first use that lives as long as the extension. */
export function kept<T extends vscode.Disposable>(c: Contribution, made: T): T {
  c.context.subscriptions.push(made);
  return made;
}
