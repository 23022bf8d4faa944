// Run by `npm run bench` inside code-server's extension host (not part of npm test): a
// 1,000,000-row SELECT through the real command and results panel; prints time to
// first rows and the extension host's RSS growth, then the same for "export all".
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { TabSnapshot } from '../../../src/webviews/resultsPanel';
import { RESULTS_SQL, RESULT_ROWS, peakRss } from '../../../scripts/benchResults';
import { report, services, upkeep } from './helpers';

describe('bench: a 1,000,000-row query in the extension host', function () {
  this.timeout(300_000);

  it('first rows and memory growth', async () => {
    const s = services().postgres;
    const url = `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/postgres`;
    const conn = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Bench PG' });
    const dir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '/tmp';
    const file = path.join(dir, 'million.sql');
    fs.writeFileSync(file, `-- upkeep: connection=Bench PG\n${RESULTS_SQL};\n`);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const api = await upkeep();
    // Warm-up: the panel, the parser and the driver load once.
    await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
    const runs: { ms: number; mb: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const { value, mb } = await peakRss(() => Promise.resolve(vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0)));
      const ms = performance.now() - t0;
      if (value.rowCount !== 1000 || value.status !== 'more') throw new Error(`unexpected first window: ${JSON.stringify({ rows: value.rowCount, status: value.status })}`);
      runs.push({ ms, mb });
    }
    const tabId = api.results.tabIds().at(-1) ?? '';
    const out = vscode.Uri.file(path.join(dir, 'million.csv'));
    const t1 = performance.now();
    const exp = await peakRss(() => api.results.exportAll(tabId, 'csv', out));
    const exportMs = performance.now() - t1;
    if (exp.value !== RESULT_ROWS) throw new Error(`exported ${String(exp.value)} rows`);
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    report(`extension host (VS Code ${vscode.version}): first rows (1,000-row window in the grid) median ${(ms[1] ?? 0).toFixed(0)} ms of 3 runs (min ${(ms[0] ?? 0).toFixed(0)} ms); peak RSS growth ${Math.max(...runs.map((r) => r.mb)).toFixed(1)} MB`);
    report(`extension host: export all ${RESULT_ROWS.toLocaleString('en-US')} rows to CSV ${(exportMs / 1000).toFixed(1)} s, peak RSS growth ${exp.mb.toFixed(1)} MB, file ${(fs.statSync(out.fsPath).size / 2 ** 20).toFixed(0)} MB`);
    fs.rmSync(out.fsPath, { force: true });
    await vscode.commands.executeCommand('upkeep.removeConnection', conn.profile.id, { confirm: false });
  });
});
