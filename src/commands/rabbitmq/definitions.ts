/**
 * Definitions export (a read: allowed on read-only connections, written to a
 * temporary name and renamed) and import (an Operation through the flow,
 * whose preview lists what it adds and replaces).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runOperationFlow, type FlowDeps } from '../../app/operationFlow';
import { buildImport, diffDefinitions, parseDefinitions, readDefinitionsText, writeDefinitionsFile } from '../../core/rabbitmq/definitions';
import type { RabbitOp } from '../../core/rabbitmq/operation';
import type { BatchOutcome } from '../../core/operations/operation';
import { formatBytes } from '../../core/format';
import { Cancelled, UserFacingError } from '../../core/errors';
import { apiOf, resolveProfile, type RabbitAsk, type TargetArgs } from './targets';

export interface ExportArgs extends TargetArgs {
  /** Where to write; asked with a save dialog when absent. */
  file?: string;
}

export interface ImportArgs extends TargetArgs {
  file?: string;
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'rabbitmq';
}

export class DefinitionsCommands {
  constructor(private readonly flow: FlowDeps, private readonly ask: RabbitAsk) {}

  async export(node?: unknown, args: ExportArgs = {}): Promise<{ file: string; bytes: number }> {
    const profile = await resolveProfile(node, this.ask, args);
    let file = args.file;
    if (!file) {
      const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, 'Z');
      const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
      const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(base, `${safeName(profile.name)}_definitions_${stamp}.json`), filters: { JSON: ['json'] }, title: 'Export RabbitMQ definitions' });
      if (!uri) throw new Cancelled();
      file = uri.fsPath;
    }
    const api = await apiOf(this.ask.connections, profile);
    const text = await vscode.window.withProgress<string>({ location: vscode.ProgressLocation.Notification, title: `Exporting definitions of ${profile.name}`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      return readDefinitionsText(api, args.vhost, controller.signal).finally(() => {
        sub.dispose();
      });
    });
    const bytes = await writeDefinitionsFile(file, text);
    this.flow.log.info(`Definitions of ${profile.name} exported to ${file} (${formatBytes(bytes)}).`);
    void vscode.window.showInformationMessage(`Definitions of ${profile.name} saved to ${path.basename(file)} (${formatBytes(bytes)}). It holds every user's password hash: keep it as you keep passwords.`);
    return { file, bytes };
  }

  async import(node?: unknown, args: ImportArgs = {}): Promise<BatchOutcome<RabbitOp> | undefined> {
    const profile = await resolveProfile(node, this.ask, args);
    let file = args.file;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { JSON: ['json'] }, title: 'Import RabbitMQ definitions' });
      if (!picked?.[0]) throw new Cancelled();
      file = picked[0].fsPath;
    }
    let incoming: Record<string, unknown>;
    try {
      incoming = parseDefinitions(await fs.promises.readFile(file, 'utf8'), path.basename(file));
    } catch (err) {
      throw new UserFacingError(err instanceof Error ? err.message : String(err));
    }
    // What the server has now, for the preview's diff; a read-only connection is refused by the flow before this would matter.
    const current = profile.readOnly ? {} : (JSON.parse(await readDefinitionsText(await apiOf(this.ask.connections, profile), args.vhost)) as Record<string, unknown>);
    const op = buildImport(incoming, file, diffDefinitions(current, incoming), args.vhost);
    return runOperationFlow(this.flow, { profile, ops: [op] });
  }
}
