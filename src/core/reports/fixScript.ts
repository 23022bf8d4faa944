/**
 * A fix script: the selected findings' fixes as one file for review, in the
 * language of their Operations (SQL, Cypher, Redis commands, shell), each
 * commented in that language's syntax. Every statement stands alone
 * (VACUUM and the CONCURRENTLY forms refuse to run in a transaction block).
 * Comments never carry a line break from server text, so a name can't end a
 * comment and start a statement.
 */
import { COMMENT_PREFIX, effectText, type Operation, type OperationLanguage } from '../operations/operation';
import type { Finding } from './model';

/** One line of comment text: line breaks (and other control characters) become spaces. */
export function commentText(s: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/** The statement as it goes in a script: its exact text, ending with one semicolon where the language has them. */
export function statementText(op: Operation): string {
  const text = op.text.replace(/;\s*$/, '');
  return op.language === 'sql' || op.language === 'cypher' ? `${text};` : text;
}

/** The editor language a fix script opens in: its comments and strings highlighted as the language's own. */
const EDITOR_LANGUAGE: Record<OperationLanguage, string> = {
  sql: 'sql',
  cypher: 'cypher',
  // redis-cli lines read like shell: # comments, double-quoted arguments with backslash escapes.
  redis: 'shellscript',
  shell: 'shellscript',
  http: 'plaintext',
};

/** The editor language of the findings' fix script (the language of their first fix). */
export function fixScriptLanguage(findings: Finding[]): string {
  return EDITOR_LANGUAGE[scriptLanguage(findings)];
}

/** The language of the findings' statements: of their first fix, or of their manual steps. */
function scriptLanguage(findings: Finding[]): OperationLanguage {
  return findings.flatMap((f) => f.fixes)[0]?.language ?? findings.find((f) => f.manualSteps)?.manualSteps?.language ?? 'sql';
}

/** What each language's script says before its statements. */
const PREAMBLE: Record<OperationLanguage, string[]> = {
  sql: [
    'Review before running; each statement runs on its own, outside a transaction',
    '(VACUUM and the CONCURRENTLY forms cannot run inside a transaction block: do not wrap this file in BEGIN/COMMIT).',
  ],
  cypher: ['Review before running; each statement runs on its own, in its own transaction.'],
  redis: ['Review before running; each line is one command (redis-cli reads this file from standard input).'],
  shell: ['Review before running; each line is one command.'],
  http: ['Review before running; each line is one HTTP request.'],
};

/** The impact of an operation in a comment: "risk: safe; lock: SHARE UPDATE EXCLUSIVE, reads and writes continue…". */
function impactText(op: Operation): string {
  const lock = op.lockLevel !== undefined ? `lock: ${op.lockLevel}, ${commentText(effectText(op))}` : commentText(op.impact);
  return `risk: ${op.risk}; ${lock}`;
}

export function fixScript(findings: Finding[], connectionName: string, database: string, now: Date = new Date()): string {
  const language = scriptLanguage(findings);
  const c = COMMENT_PREFIX[language];
  const commentedOut = (text: string): string =>
    // Every line of it, even one inside a quoted name: no line escapes the comment.
    text.split(/\r\n|\r|\n/).map((l) => `${c} ${l}`).join('\n');
  const lines = [
    `${c} Upkeep fix script`,
    `${c} Connection: ${commentText(connectionName)}`,
    `${c} Database: ${commentText(database)}`,
    `${c} Generated: ${now.toISOString()}`,
    ...PREAMBLE[language].map((l) => `${c} ${l}`),
    '',
  ];
  const written = new Set<string>();
  const withFixes = findings.filter((f) => f.fixes.length > 0 || (f.manualSteps?.commands.length ?? 0) > 0);
  for (const f of withFixes) {
    const [first, ...alternatives] = f.fixes;
    if (!first) {
      lines.push(`${c} ${f.severity}: ${commentText(f.object)}: ${commentText(f.message)}`);
      lines.push(`${c} To adapt and run by hand (a judgement call, not run by Upkeep):`);
      for (const step of f.manualSteps?.commands ?? []) lines.push(commentedOut(step));
      lines.push('');
      continue;
    }
    lines.push(`${c} ${f.severity}: ${commentText(f.object)}: ${commentText(f.message)}`);
    lines.push(`${c} ${commentText(first.title)} (${impactText(first)})`);
    const stmt = statementText(first);
    if (written.has(stmt)) lines.push(commentedOut(`(already above) ${stmt}`));
    else lines.push(stmt);
    written.add(stmt);
    for (const alt of alternatives) {
      lines.push(`${c} Alternative: ${commentText(alt.title)} (${impactText(alt)})`);
      lines.push(commentedOut(statementText(alt)));
    }
    lines.push('');
  }
  const skipped = findings.length - withFixes.length;
  if (skipped > 0) lines.push(`${c} ${skipped} selected finding${skipped === 1 ? ' has' : 's have'} no statement to run and ${skipped === 1 ? 'is' : 'are'} left out.`, '');
  if (!withFixes.length) lines.push(`${c} Nothing to run: none of the selected findings has a fix.`, '');
  return lines.join('\n');
}
