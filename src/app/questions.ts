/**
 * The questions a command asks for what it acts on when it was not invoked on
 * a tree node: through the Prompter when it answers them (the extension-host
 * tests), the editor's quick picks and input boxes otherwise. Dismissing one
 * ends the command quietly (Cancelled).
 */
import { Cancelled, UserFacingError } from '../core/errors';
import { DialogPrompter, type InputQuestion, type PickQuestion, type Prompter } from './prompter';

const dialogs = new DialogPrompter();

export async function askPick<T>(prompter: Prompter, q: PickQuestion<T>): Promise<T> {
  if (!q.items.length) throw new UserFacingError(`Nothing to choose: ${q.placeHolder.toLowerCase()}`);
  const chosen = await (prompter.pick ? prompter.pick(q) : dialogs.pick(q));
  if (chosen === undefined) throw new Cancelled();
  return chosen;
}

export async function askInput(prompter: Prompter, q: InputQuestion): Promise<string> {
  const text = await (prompter.input ? prompter.input(q) : dialogs.input(q));
  if (text === undefined) throw new Cancelled();
  const problem = q.validate?.(text);
  if (problem) throw new UserFacingError(problem);
  return text;
}
