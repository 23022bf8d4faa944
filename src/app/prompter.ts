import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import { effectText, type Operation, type Risk } from '../core/operations/operation';

/** What the user is shown before anything runs. */
export interface OperationPreview {
  connection: ConnectionProfile;
  /** "VACUUM (ANALYZE) public.orders", or for a batch "VACUUM (ANALYZE) of 500 tables in schema public". */
  title: string;
  ops: Operation[];
  risk: Risk;
  sizeText: string;
  /** What the executor's pass before the preview found (a count, a sample), one line each, already safe to show. */
  details?: string[];
  /** The name the user must type before it runs (production, or an operation that always asks it); absent when none is asked. */
  typeName?: string;
}

/** One choice of a question: its words and what choosing it gives. */
export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

/** A question with choices (a quick pick in the editor). */
export interface PickQuestion<T> {
  placeHolder: string;
  items: PickItem<T>[];
}

/** A question with a typed answer (an input box in the editor). */
export interface InputQuestion {
  prompt: string;
  placeHolder?: string;
  value?: string;
  /** A message when the text will not do, undefined when it will. */
  validate?(value: string): string | undefined;
}

/**
 * Every question a maintenance command asks before it runs, behind one
 * interface: the editor's modal dialogs in use, an answering stub in the
 * extension-host tests (which cannot click a modal).
 */
export interface Prompter {
  /** Asked by the flow before anything runs (see `asksFirst` for when). */
  confirmOperation(preview: OperationPreview): Promise<boolean>;
  /**
   * How a run ended, with the actions it offers (a follow-up such as "Drop
   * public.orders_ix", "Show Log"); resolves to the chosen one. Optional: the
   * editor's notifications answer when absent.
   */
  showOutcome?(notice: OutcomeNotice): Promise<string | undefined>;
  /** A statement typed in a file that is risky, an EXPLAIN ANALYZE (which executes), or on production one whose effect cannot be judged (a DO block). Optional: the dialogs answer when absent. */
  confirmStatement?(preview: StatementPreview): Promise<boolean>;
  /** The questions a command asks for its target when it has no tree node (which connection, database, key…). Optional: quick picks answer when absent. */
  pick?<T>(question: PickQuestion<T>): Promise<T | undefined>;
  /** Optional: input boxes answer when absent. */
  input?(question: InputQuestion): Promise<string | undefined>;
}

/** The message after a run: its severity, the words, and its buttons. */
export interface OutcomeNotice {
  severity: 'info' | 'warning' | 'error';
  message: string;
  actions: string[];
}

/**
 * Whether the flow asks before running: heavy, blocking and destructive work
 * always; safe work only when upkeep.maintenance.confirmSafeOperations is on.
 */
export function asksFirst(risk: Risk, confirmSafe: boolean, ops: readonly Pick<Operation, 'alwaysType'>[] = []): boolean {
  return risk !== 'safe' || confirmSafe || ops.some((op) => op.alwaysType);
}

/**
 * The name typed before a run: on production for anything but safe work, and
 * everywhere for operations that always ask it (FLUSHDB). One operation's
 * own name; a batch's is the connection's.
 */
export function typedNameFor(connection: ConnectionProfile, ops: readonly Operation[], risk: Risk): string | undefined {
  if (!(connection.production && risk !== 'safe') && !ops.some((op) => op.alwaysType)) return undefined;
  return ops.length === 1 ? ops[0]?.confirmName ?? connection.name : connection.name;
}

/** What the user is shown before a risky statement from a file runs. */
export interface StatementPreview {
  connection: ConnectionProfile;
  statement: string;
  risk: Risk;
  reasons: string[];
  /** 'explain-analyze' asks even for safe statements: EXPLAIN ANALYZE executes them. */
  mode: 'run' | 'explain' | 'explain-analyze';
}

/** The statement, shortened for a dialog. */
function clip(text: string, max = 600): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export function statementDetail(p: StatementPreview): string {
  return [
    clip(p.statement),
    ...p.reasons,
    p.mode === 'explain-analyze' ? 'EXPLAIN ANALYZE executes the statement to time it. A write runs inside a transaction that is rolled back afterwards.' : '',
    p.risk !== 'safe' ? RISK_WORDS[p.risk] : '',
    'Runs on its own connection in autocommit; Cancel stops it on the server.',
    p.connection.production ? `"${p.connection.name}" is a production connection.` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

const RISK_WORDS: Record<Risk, string> = {
  safe: 'Safe: other sessions keep reading and writing.',
  heavy: 'Heavy: reads and writes go on, but it loads the server (I/O, CPU) while it runs. Always previewed; on production the name is typed.',
  blocking: 'Blocking: other sessions will wait while it runs.',
  destructive: 'Destructive: this cannot be undone.',
};

export function previewDetail(p: OperationPreview): string {
  const first = p.ops[0];
  const end = first?.language === 'sql' || first?.language === 'cypher' ? ';' : '';
  const text = p.ops.length > 1 ? `${first?.text ?? ''}${end}\n… and ${p.ops.length - 1} more, one at a time` : `${first?.text ?? ''}${end}`;
  const impact = first?.lockLevel !== undefined ? `Lock: ${first.lockLevel} — ${effectText(first)}.` : `Effect: ${first?.impact ?? ''}.`;
  return [
    text,
    impact,
    ...(p.details ?? []),
    `Target size: ${p.sizeText}.`,
    RISK_WORDS[p.risk],
    first?.cancelNote ?? (first?.language === 'sql' ? 'Runs on its own connection, outside any transaction; Cancel stops it on the server.' : 'Cancel stops it on the server.'),
    p.connection.production ? `"${p.connection.name}" is a production connection.` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The second question on production: true only when `name` is typed exactly. */
async function typedConfirmation(title: string, prompt: string, name: string): Promise<boolean> {
  const typed = await vscode.window.showInputBox({
    title,
    prompt,
    placeHolder: name,
    ignoreFocusOut: true,
    validateInput: (v) => (v === name ? undefined : `Type ${name} exactly to confirm.`),
  });
  return typed === name;
}

/** The editor's notification for an outcome: resolves to the button chosen, if any. */
export function showNotice(n: OutcomeNotice): Promise<string | undefined> {
  const show = n.severity === 'error' ? vscode.window.showErrorMessage : n.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  return Promise.resolve(show(n.message, ...n.actions));
}

export class DialogPrompter implements Prompter {
  /** Shows the preview; the flow decides whether to ask at all (`asksFirst`). */
  async confirmOperation(p: OperationPreview): Promise<boolean> {
    const show = p.risk === 'safe' || p.risk === 'heavy' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const choice = await show(`${p.title} on ${p.connection.name}?`, { modal: true, detail: previewDetail(p) }, 'Run');
    if (choice !== 'Run') return false;
    const name = p.typeName ?? typedNameFor(p.connection, p.ops, p.risk);
    if (name !== undefined) {
      const why = p.connection.production ? `"${p.connection.name}" is production.` : 'This cannot be undone.';
      return typedConfirmation(`${p.connection.production ? 'Production: ' : ''}${p.title}`, `${why} Type ${name} to run it.`, name);
    }
    return true;
  }

  async pick<T>(q: PickQuestion<T>): Promise<T | undefined> {
    const chosen = await vscode.window.showQuickPick(q.items, { placeHolder: q.placeHolder, matchOnDescription: true, ignoreFocusOut: true });
    return chosen?.value;
  }

  input(q: InputQuestion): Promise<string | undefined> {
    return Promise.resolve(vscode.window.showInputBox({ prompt: q.prompt, placeHolder: q.placeHolder, value: q.value, ignoreFocusOut: true, validateInput: (v) => q.validate?.(v) }));
  }

  showOutcome(n: OutcomeNotice): Promise<string | undefined> {
    return showNotice(n);
  }

  async confirmStatement(p: StatementPreview): Promise<boolean> {
    const what = p.mode === 'explain-analyze' ? 'EXPLAIN ANALYZE this statement' : p.risk === 'destructive' ? 'Run this destructive statement' : p.risk === 'safe' ? 'Run this statement' : `Run this ${p.risk} statement`;
    const choice = await vscode.window.showWarningMessage(`${what} on ${p.connection.name}?`, { modal: true, detail: statementDetail(p) }, 'Run');
    if (choice !== 'Run') return false;
    if (p.connection.production && p.risk !== 'safe') {
      const name = p.connection.name;
      return typedConfirmation(`Production: ${what}`, `"${name}" is production. Type its name to run the statement.`, name);
    }
    return true;
  }
}
