/**
 * The `upkeep` command (dist/cli.js, bin/upkeep): health checks and reports
 * for cron and monitoring, on the same core as the editor and without it —
 * nothing here or below imports 'vscode' (test/unit/cliBundle.test.ts checks
 * the built file). Errors are one line on stderr; the exit code says what
 * happened (errors.ts, and the health severities).
 */
import { parseArgs, type Command } from './args';
import { cliContext, type CliIo } from './context';
import { CliError, EXIT } from './errors';
import { terminalText } from './healthOutput';
import { GENERAL_HELP, HEALTH_HELP, reportHelp, RUN_HELP } from './help';
import { PASSWORD_FILE_VARIABLE, readPasswordFile } from './passwords';

declare const UPKEEP_VERSION: string | undefined;

/** Runs one command line and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    io.stderr(`upkeep: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof CliError ? err.exitCode : EXIT.usage;
  }
  if (cmd.command === 'help') {
    await io.stdout(cmd.topic === 'health' ? HEALTH_HELP : cmd.topic === 'report' ? reportHelp() : cmd.topic === 'run' ? RUN_HELP : GENERAL_HELP);
    return EXIT.ok;
  }
  if (cmd.command === 'version') {
    await io.stdout(`upkeep ${typeof UPKEEP_VERSION === 'string' ? UPKEEP_VERSION : 'dev'}\n`);
    return EXIT.ok;
  }
  const ctx = cliContext(io, cmd.verbose);
  try {
    const passwordFile = cmd.passwordFile ?? (io.env[PASSWORD_FILE_VARIABLE] || undefined);
    if (passwordFile !== undefined) {
      ctx.passwords.useFilePassword(await readPasswordFile(passwordFile, cmd.command === 'run' ? EXIT.runFailed : undefined));
      if (cmd.verbose) io.stderr(`upkeep: the password of this run's connections comes from ${passwordFile}`);
    }
    // The commands' code is loaded with the command, like the engines' hooks.
    if (cmd.command === 'run') return await (await import('./runCommand')).runCommand(cmd, ctx);
    if (cmd.command === 'health') return await (await import('./healthCommand')).healthCommand(cmd, ctx);
    return await (await import('./reportCommand')).reportCommand(cmd, ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(terminalText(ctx.redact(`upkeep: ${message}`)));
    if (cmd.verbose && err instanceof Error && !(err instanceof CliError) && err.stack) io.stderr(ctx.redact(err.stack));
    if (io.signal.aborted) return EXIT.interrupted;
    return err instanceof CliError ? err.exitCode : EXIT.couldNot;
  }
}

/** The process around runCli: real streams, Ctrl+C cancels the work on the servers (a second one exits at once). bin/upkeep calls it. */
export function main(): void {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('upkeep: stopping (Ctrl+C again to quit at once)\n');
    controller.abort();
  });
  const io: CliIo = {
    env: process.env,
    isTty: process.stdout.isTTY === true,
    signal: controller.signal,
    stdout: (text) => new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve()))),
    stderr: (line) => void process.stderr.write(`${line}\n`),
  };
  // A closed pipe (upkeep health | head) is not an error worth a stack.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT.ok : EXIT.couldNot));
  void runCli(process.argv.slice(2), io).then((code) => {
    // Drivers may keep sockets or timers alive a little; the work is done and its output flushed.
    process.exit(code);
  });
}

if (require.main === module) main();
