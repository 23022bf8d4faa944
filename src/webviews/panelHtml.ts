import { randomBytes } from 'node:crypto';
import { escapeHtml as esc } from '../core/reports/html';

/**
 * The shell of every Upkeep panel: a strict Content-Security-Policy (nothing
 * by default; our own script by nonce; styles and fonts from the extension),
 * no inline handlers, and the page script, which renders everything with
 * textContent.
 */
export function panelHtml(opts: { cspSource: string; scriptUri: string; styleUri: string; codiconUri: string; title: string }): string {
  const nonce = randomBytes(18).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${opts.cspSource}`,
    `font-src ${opts.cspSource}`,
    `img-src ${opts.cspSource} data:`,
  ].join('; ');
  // The policy is ours (no user text in it) and holds single quotes only: it goes into the attribute as is.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(opts.codiconUri)}">
<link rel="stylesheet" href="${esc(opts.styleUri)}">
<title>${esc(opts.title)}</title>
</head>
<body>
<div id="app" aria-live="polite"></div>
<script nonce="${nonce}" src="${esc(opts.scriptUri)}"></script>
</body>
</html>`;
}
