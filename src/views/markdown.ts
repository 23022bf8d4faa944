/**
 * Server and user text in tooltip Markdown. Anyone who can log in can set
 * their application_name, and names of roles, tables and indexes, and query
 * text, are whatever someone typed: all of it is data. Nothing here imports
 * 'vscode', so it is unit-tested as it is.
 */

/**
 * Inline Markdown text that stays text: every ASCII punctuation character is
 * backslash-escaped (CommonMark lets any of them be), so no emphasis, link,
 * autolink (`https\://`), image, HTML tag, entity (`\&amp;`), table pipe or
 * theme icon (`\$(…)`) can form; line breaks become spaces, so the text cannot
 * start a heading, list or quote on a line of its own.
 */
export function escapeMd(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ').replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/**
 * A fenced code block that `text` cannot close: the fence is one backtick
 * longer than the longest run of backticks inside (at least three), and a
 * closing fence must be at least as long as the opening one.
 */
export function codeBlock(text: string, language = ''): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `\n${fence}${language}\n${text}\n${fence}\n`;
}
