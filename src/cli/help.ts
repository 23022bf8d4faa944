/** The CLI's help texts: general, and one per command. */
import { reportCatalog } from './reportNames';
import { BACKUP_OPERATION, BACKUP_SUMMARY, RUN_OPERATIONS } from './runOperations';

const CONFIG = `Configuration:
  --config FILE        a settings file: VS Code's settings.json, a workspace's
                       .vscode/settings.json or an upkeep.json with the same keys
                       (upkeep.connections, upkeep.health.endpoints, upkeep.reports.*,
                       upkeep.catalog.*, upkeep.backup.*); JSON with comments.
                       Also UPKEEP_CONFIG.
                       Default: ~/.config/Code/User/settings.json, then
                       ~/.local/share/code-server/User/settings.json.
  --verbose            the engines' log and each step on stderr (secrets removed)
  --help, -h           this text, or a command's (upkeep <command> --help)

Passwords (never on the command line), the first found:
  --password-file PATH the first line of PATH, for the connections of this run;
                       refused unless only its owner may read it (chmod 600).
                       Also UPKEEP_PASSWORD_FILE=PATH.
  UPKEEP_PASSWORD_<ID> the connection's id upper-cased, other characters as _
                       (id "pg-prod.1" → UPKEEP_PASSWORD_PG_PROD_1)
  the profile's own source: its passwordEnv variable, or ~/.pgpass (PGPASSFILE).
  The editor's secret storage cannot be read outside the editor.`;

export const GENERAL_HELP = `upkeep — health checks and reports of your databases, without the editor

Usage:
  upkeep health [--connection NAME…] [--format text|json|junit] [--timeout S]
  upkeep report <name> --connection NAME [--database D] [--format md|html|json|csv] [--out FILE [--force]]
  upkeep report backups [--connection NAME] [--format …] [--out FILE]
  upkeep run <operation> --connection NAME [--database D] [--target T] [--yes]
  upkeep run backup --connection NAME [--database D] [--folder DIR] [--verify]
  upkeep help [health|report|run]    upkeep --version

Exit codes:
  health   0 healthy, 1 warning, 2 critical, 3 could not check
  report   0 written, 3 could not make it
  run      0 done, 1 failed, 2 refused (read-only profile), 4 needs --yes
           (the statement was printed, nothing ran)
  all      64 wrong arguments, 130 stopped with Ctrl+C

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
3 could not check (no password, refused login, timed out) with nothing worse.
A server that is down (nothing listening, its container stopped) is critical.

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

export const RUN_HELP = `upkeep run — one maintenance operation, as the editor runs it

Usage: upkeep run <operation> --connection NAME [--database D] [--target T] [--yes]
       upkeep run backup --connection NAME [--database D | --target VOLUME] [--folder DIR] [--verify [--verify-on NAME]]

Operations:
${RUN_OPERATIONS.map((o) => `  ${o.name.padEnd(12)} ${o.summary}${o.targetHelp ? `\n  ${''.padEnd(12)} --target ${o.targetHelp}` : ''}`).join('\n')}
  ${BACKUP_OPERATION.padEnd(12)} ${BACKUP_SUMMARY}

  --connection NAME    the connection (id or name); its engine must be the operation's
  --database D         default: the connection's database
  --target T           schema.table or schema.index; quote a part as SQL does
                       ("My Schema"."a.b"); without a schema: public
  --yes                run it although it blocks others or deletes (vacuum-full),
                       or although the connection is a production one (there
                       every operation needs --yes)

Backup (run backup):
  --database D         PostgreSQL: the database (default: the connection's)
  --target VOLUME      Docker: the volume to back up
  --folder DIR         default: the connection's backup folder, as the editor
                       chooses it (upkeep.backup.connectionFolders, then
                       upkeep.backup.folder, then the editor's storage)
  --verify             restore it into something throwaway and compare
                       (PostgreSQL: a database on the same server); once it
                       passes, upkeep.backup.keepLast/keepDays retire older ones
  --verify-on NAME     Neo4j (and optionally PostgreSQL): verify on this server
A backup only reads: it needs no --yes and runs on read-only profiles too
(Verify is then not run where it would write). Exit 1 when Verify finds a
difference; a Verify that cannot run here is a warning line (exit 0). Ctrl+C
stops the tool and its server sessions and keeps nothing.

A read-only profile is refused before anything connects (except backup). Without a needed --yes
the exact statement is printed on stdout and nothing runs. On a terminal the
progress goes to stderr; otherwise one summary line goes to stdout at the end.
Ctrl+C cancels the operation on the server (a second Ctrl+C quits at once).
The lock wait is upkeep.maintenance.lockTimeoutMs (default 10000 ms) and, for
CONCURRENTLY, upkeep.maintenance.concurrentLockTimeoutMs (default 0: no limit).

Exit codes: 0 done, 1 failed (or could not connect), 2 refused: read-only
profile, 4 needs --yes (statement printed, nothing ran), 64 wrong arguments,
130 stopped with Ctrl+C (cancelled on the server).

Cron, VACUUM (ANALYZE) every day at 02:00, a verified backup on Sundays at 03:00:
  0 2 * * * upkeep run vacuum --connection prod --yes --password-file ~/.config/upkeep/prod.pw >> ~/upkeep-maintenance.log 2>&1
  0 3 * * 0 upkeep run backup --connection prod --verify --password-file ~/.config/upkeep/prod.pw >> ~/upkeep-maintenance.log 2>&1

${CONFIG}
`;
