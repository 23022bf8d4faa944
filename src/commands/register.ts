import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { isCancelled } from '../core/errors';
import { redact } from '../core/connections/redact';
import { commandFailure } from './commandFailure';

/**
 * The one way commands are registered: every failure is logged in full and
 * shown as one line, both redacted (`clean`: the known secrets, and any URL's
 * password); a dismissed prompt ends quietly. The handler's result is
 * returned to the caller (tests and other commands use that).
 */
export function registerCommand(
  context: vscode.ExtensionContext,
  log: Logger,
  id: string,
  handler: (...args: never[]) => unknown,
  clean: (text: string) => string = (t) => redact(t),
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (handler as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        if (isCancelled(err)) return undefined;
        const failure = commandFailure(id, err, clean);
        log.error(failure.log);
        void vscode.window.showErrorMessage(failure.show);
        return undefined;
      }
    }),
  );
}
