// Run by `npm run bench` inside code-server's extension host: the extension's real
// activation (its bundle loaded, activate() called) timed once, as the first thing
// the bench does, and the bytes of the extension's own files evaluated by then.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UpkeepApi } from '../../../src/extension';
import { report } from './helpers';

describe('bench: activation in the extension host', () => {
  it('bundle load + activate(), and what it evaluated', async () => {
    const ext = vscode.extensions.getExtension('upkeep-dev.upkeep');
    if (!ext) throw new Error('the extension is not installed in this host');
    if (ext.isActive) {
      report('extension host: activation not measured (something activated Upkeep before the bench ran)');
      return;
    }
    const t0 = performance.now();
    const api = (await ext.activate()) as UpkeepApi;
    const ms = performance.now() - t0;
    const dist = path.join(ext.extensionPath, 'dist') + path.sep;
    const files = Object.keys(require.cache).filter((f) => f.startsWith(dist));
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    const names = files.map((f) => path.relative(dist, f)).join(', ');
    // The bundle evaluated again in this host (a fresh copy of the module, not activated): its load cost alone.
    const main = path.join(dist, 'extension.js');
    const loads: number[] = [];
    const cached = require.cache[main];
    for (let i = 0; i < 7; i++) {
      delete require.cache[main];
      const l0 = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh evaluation of the bundle is what is timed
      require(main);
      loads.push(performance.now() - l0);
    }
    if (cached) require.cache[main] = cached;
    loads.sort((a, b) => a - b);
    report(
      `extension host (VS Code ${vscode.version}): activation ${ms.toFixed(1)} ms as the host runs it (ext.activate(): bundle load + activate() + the host's own work); ` +
        `Upkeep's activate() ${api.activationMs.toFixed(1)} ms; bundle load median ${(loads[3] ?? 0).toFixed(1)} ms of 7 (min ${(loads[0] ?? 0).toFixed(1)} ms); ` +
        `evaluated ${(bytes / 1024).toFixed(1)} KB of the extension's files (${names})`,
    );
  });
});
