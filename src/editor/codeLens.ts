/**
 * CodeLens over each statement of a .sql / .cypher file: ▶ Run, Run on…, and
 * for SQL Explain / Explain Analyze (only where EXPLAIN applies). Flagged
 * statements (psql meta-commands, COPY FROM STDIN, console commands) get a
 * lens that says why they are not sent. `upkeep.codeLens.enabled` turns it off.
 */
import * as vscode from 'vscode';
import { documentStatements, statementSupport, type DocStatement } from './statements';
import type { StatementSupport } from '../core/engine';

export class StatementCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('upkeep.codeLens')) this.changed.fire();
  });

  /** Per statement object, so per document version: lenses are asked for again and again while the file is unchanged. */
  private readonly explainableCache = new WeakMap<DocStatement, boolean>();

  private async explainable(support: StatementSupport, s: DocStatement): Promise<boolean> {
    let v = this.explainableCache.get(s);
    if (v === undefined) this.explainableCache.set(s, (v = (await support.judge(s.text, 'run')).explainable));
    return v;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('upkeep.codeLens', doc).get<boolean>('enabled', true)) return [];
    const list = await documentStatements(doc);
    const support = statementSupport(doc);
    const out: vscode.CodeLens[] = [];
    const runnable = list.filter((s) => s.kind === 'run');
    if (runnable.length > 1) {
      const top = new vscode.Range(0, 0, 0, 0);
      out.push(new vscode.CodeLens(top, { title: `$(run-all) Run All (${runnable.length} statements)`, command: 'upkeep.query.runAll', arguments: [doc.uri], tooltip: 'Run every statement in order, one results tab each; stops at the first failure' }));
    }
    for (const s of list) {
      const at = new vscode.Range(s.range.start, s.range.start);
      if (s.kind === 'flagged') {
        out.push(new vscode.CodeLens(at, { title: `$(circle-slash) Not sent: ${s.note ?? 'not a statement'}`, command: '' }));
        continue;
      }
      const args = [doc.uri, s.index];
      out.push(
        new vscode.CodeLens(at, { title: '$(play) Run', command: 'upkeep.query.run', arguments: args, tooltip: 'Run this statement on the file\'s connection' }),
        new vscode.CodeLens(at, { title: 'Run on…', command: 'upkeep.query.runOn', arguments: args, tooltip: 'Pick a connection for this run only' }),
      );
      if (support?.explains && (await this.explainable(support, s))) {
        out.push(
          new vscode.CodeLens(at, { title: 'Explain', command: 'upkeep.query.explain', arguments: args, tooltip: 'Show the plan (EXPLAIN): nothing is executed' }),
          new vscode.CodeLens(at, { title: 'Explain Analyze', command: 'upkeep.query.explainAnalyze', arguments: args, tooltip: 'EXPLAIN (ANALYZE, BUFFERS): executes the statement; writes are rolled back' }),
        );
      }
    }
    return out;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
