import * as vscode from 'vscode';
import { firstLine } from '../core/connections/errors';
import type { Logger } from '../core/log';
import { isCancelled, isUserFacing } from '../core/errors';


/**
 * The one way commands are registered: every failure is logged in full and
 * shown as one line; a dismissed prompt ends quietly. The handler's result is
 * returned to the caller (tests and other commands use that).
 */
export function registerCommand(
  context: vscode.ExtensionContext,
  log: Logger,
  id: string,
  handler: (...args: never[]) => unknown,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (handler as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        if (isCancelled(err)) return undefined;
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${id}: ${err instanceof Error && err.stack ? err.stack : message}`);
        void vscode.window.showErrorMessage(isUserFacing(err) ? message : `Upkeep: ${firstLine(message)}`);
        return undefined;
      }
    }),
  );
}
