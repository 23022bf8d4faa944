/** The one quick pick every command's "which connection / database / report?" question goes through. */
import * as vscode from 'vscode';
import { Cancelled, UserFacingError } from '../core/errors';

/** The value of the item picked; Cancelled when the pick is dismissed, a clear message when there is nothing to pick. */
export async function pick<T>(items: (vscode.QuickPickItem & { value: T })[], placeHolder: string): Promise<T> {
  if (!items.length) throw new UserFacingError(`Nothing to choose: ${placeHolder.toLowerCase()}`);
  const chosen = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, ignoreFocusOut: true });
  if (!chosen) throw new Cancelled();
  return chosen.value;
}
