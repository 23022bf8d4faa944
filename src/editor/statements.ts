/**
 * The statements of an open .sql or .cypher document, with their ranges, read
 * by the core splitters and cached per document version (CodeLens asks often).
 */
import * as vscode from 'vscode';
import type { Engine, StatementSupport } from '../core/engine';
import { ENGINE_MODULES, engineModule } from '../core/engines';

export interface DocStatement {
  index: number;
  /** 'run' is sent to the server; 'flagged' (psql meta-command, COPY FROM STDIN, console command, unterminated) never is. */
  kind: 'run' | 'flagged';
  text: string;
  range: vscode.Range;
  note?: string;
}

/** Language id → the engine whose statements files of that language hold. */
export const QUERY_LANGUAGES: Readonly<Record<string, Engine>> = Object.fromEntries(
  ENGINE_MODULES.flatMap((m) => (m.statements ? [[m.statements.languageId, m.id]] : [])),
);

export function engineOf(doc: vscode.TextDocument): Engine | undefined {
  return QUERY_LANGUAGES[doc.languageId];
}

/** The statement support of the document's engine; undefined for other languages. */
export function statementSupport(doc: vscode.TextDocument): StatementSupport | undefined {
  const engine = engineOf(doc);
  return engine ? engineModule(engine).statements : undefined;
}

const cache = new WeakMap<vscode.TextDocument, { version: number; list: DocStatement[] }>();

export async function documentStatements(doc: vscode.TextDocument): Promise<DocStatement[]> {
  const hit = cache.get(doc);
  if (hit && hit.version === doc.version) return hit.list;
  const text = doc.getText();
  const support = statementSupport(doc);
  const parts = support ? await support.split(text) : [];
  const list = parts.map((p, index): DocStatement => {
    const s: DocStatement = {
      index,
      kind: p.runnable ? 'run' : 'flagged',
      text: p.text,
      range: new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end)),
    };
    if (p.note) s.note = p.note;
    return s;
  });
  cache.set(doc, { version: doc.version, list });
  return list;
}

/** The statement under the cursor, or the last one that ends before it. */
export function statementAt(list: DocStatement[], pos: vscode.Position): DocStatement | undefined {
  let best: DocStatement | undefined;
  for (const s of list) {
    if (s.range.start.isAfter(pos)) break;
    best = s;
    if (s.range.contains(pos)) break;
  }
  return best ?? list[0];
}
