/** The CLI's help texts: general, and one per command. */
import { reportCatalog } from './reportNames';

const CONFIG = `Configuration:
  --config FILE        a settings file: VS Code's settings.json, a workspace's
                       .vscode/settings.json or an upkeep.json with the same keys
                       (upkeep.connections, upkeep.health.endpoints, upkeep.reports.*,
                       upkeep.backup.*); JSON with comments. Also UPKEEP_CONFIG.
                       Default: ~/.config/Code/User/settings.json, then
                       ~/.local/share/code-server/User/settings.json.
  --verbose            the engines' log on stderr (secrets removed)

Passwords (never on the command line):
  UPKEEP_PASSWORD_<ID> the connection's id upper-cased, other characters as _
                       (id "pg-prod.1" → UPKEEP_PASSWORD_PG_PROD_1)
  the profile's own source: its passwordEnv variable, or ~/.pgpass (PGPASSFILE).
  The editor's secret storage cannot be read outside the editor.`;

export const GENERAL_HELP = `upkeep — health checks and reports of your databases, without the editor

Usage:
  upkeep health [--connection NAME…] [--format text|json|junit] [--timeout S]
  upkeep report <name> --connection NAME [--database D] [--format md|html|json|csv] [--out FILE [--force]]
  upkeep report backups [--connection NAME] [--format …] [--out FILE]
  upkeep help [health|report]    upkeep --version

Exit codes: 0 healthy / done, 1 warning, 2 critical, 3 could not check (or could
not do it), 64 wrong arguments, 130 stopped with Ctrl+C.

${CONFIG}
`;

export const HEALTH_HELP = `upkeep health — check every connection and endpoint, as the status bar does

Usage: upkeep health [--connection NAME…] [--format text|json|junit] [--timeout S] [--emoji|--no-emoji]

  --connection NAME    only these connections (id or name) or endpoints (name);
                       repeat it or separate names with commas. Default: all.
  --format text        one line a check, then a summary line (default)
           json        the health run as data
           junit       JUnit XML: a testsuite per connection, a failure per
                       warning or critical check, an error per check not made
  --timeout S          each connection's and endpoint's time limit (default 10)
  --emoji, --no-emoji  ✅ ⚠️ ❌ instead of OK WARNING CRITICAL UNKNOWN; by default
                       only when stdout is a UTF-8 terminal

Exit code: the worst over all checks: 0 healthy, 1 warning, 2 critical,
3 could not check (unreachable, no password, timed out) with nothing worse.

Cron, every 5 minutes:
  */5 * * * * upkeep health --no-emoji >> ~/upkeep-health.log 2>&1

${CONFIG}
`;

export function reportHelp(): string {
  return `upkeep report — a report of one connection, as its panel shows it

Usage: upkeep report <name> [--connection NAME] [--database D] [--format md|html|json|csv] [--out FILE [--force]]

Reports (the connection's engine decides which apply):
${reportCatalog().map((l) => `  ${l}`).join('\n')}

  --connection NAME    the connection (id or name); a report over every
                       connection (backups) covers only this one when given
  --database D         default: the connection's database
  --format md          Markdown (default); html: one standalone page with no
                       script; json: the report as data; csv: its tables
  --out FILE           write FILE whole (never half a report); an existing FILE
                       is kept unless --force is given. Default: stdout.

Cron, weekly on Sunday at 06:00:
  0 6 * * 0 upkeep report bloat --connection prod --format html --out ~/reports/bloat-$(date +\\%F).html

${CONFIG}
`;
}
