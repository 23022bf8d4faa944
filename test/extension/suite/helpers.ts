import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UpkeepApi } from '../../../src/extension';
import type { UpkeepNode } from '../../../src/views/node';
import { readServices, type ServicesInfo } from '../../services/index';
import { resultFiles } from '../protocol';

export const EXTENSION_ID = 'upkeep-dev.upkeep';

export async function upkeep(): Promise<UpkeepApi> {
  const ext = vscode.extensions.getExtension<UpkeepApi>(EXTENSION_ID);
  if (!ext) throw new Error(`Extension ${EXTENSION_ID} is not loaded in this host.`);
  return ext.isActive ? ext.exports : await ext.activate();
}

export function services(): ServicesInfo {
  const info = readServices();
  if (!info) throw new Error('Test services are not running: start them with `npm run services` or run the tier through `npm test`.');
  return info;
}

/** Polls until `check` returns a value (not undefined/false) or fails with `what`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A line in the runner's output, for facts a reader of the test log should see. */
export function report(line: string): void {
  fs.appendFileSync(resultFiles().progress, `    » ${line}\n`);
}

/** Every file under a folder whose content contains `needle` (skipping large binaries). */
export function filesContaining(dir: string, needle: string): string[] {
  if (!dir || !fs.existsSync(dir)) return [];
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.statSync(p).size < 50 * 1024 * 1024 && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** A tree node's label as shown. */
export function label(node: UpkeepNode): string {
  const l = node.toTreeItem().label;
  return typeof l === 'string' ? l : l?.label ?? '';
}
