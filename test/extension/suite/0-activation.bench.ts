// Run by `npm run bench` inside code-server's extension host: the extension's real
// activation (its bundle loaded, activate() called) timed once, as the first thing
// the bench does, and the bytes of the extension's own files evaluated by then.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
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
    await ext.activate();
    const ms = performance.now() - t0;
    const dist = path.join(ext.extensionPath, 'dist') + path.sep;
    const files = Object.keys(require.cache).filter((f) => f.startsWith(dist));
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    const names = files.map((f) => path.relative(dist, f)).join(', ');
    report(`extension host (VS Code ${vscode.version}): activation (bundle load + activate()) ${ms.toFixed(1)} ms; evaluated ${(bytes / 1024).toFixed(1)} KB of the extension's files (${names})`);
  });
});
