import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { CliError, EXIT } from '../../src/cli/errors';
import { RUN_HELP, GENERAL_HELP } from '../../src/cli/help';
import { CliPasswords, privateMode, readPasswordFile } from '../../src/cli/passwords';
import { needsYes } from '../../src/cli/runCommand';
import { parseQualifiedName, RUN_OPERATIONS } from '../../src/cli/runOperations';
import { KnownSecrets } from '../../src/core/connections/redact';
import type { ConnectionProfile } from '../../src/core/connections/profile';

const XSS = '<img src=x onerror=alert(1)>';

function usageError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.kind === 'usage' && re.test(err.message));
}

describe('cli: upkeep run arguments', () => {
  it('reads the operation, the connection, the target and --yes', () => {
    assert.deepEqual(parseArgs(['run', 'vacuum', '--connection', 'prod', '--target', 'public.orders', '--database=shop', '--yes']), {
      command: 'run', operation: 'vacuum', connection: 'prod', target: 'public.orders', database: 'shop', yes: true, verbose: false,
    });
    assert.deepEqual(parseArgs(['run', 'bgsave', '--connection=cache']), { command: 'run', operation: 'bgsave', connection: 'cache', yes: false, verbose: false });
  });

  it('takes --password-file and --config as for every command', () => {
    const cmd = parseArgs(['run', 'analyze', '--connection', 'p', '--password-file', '/tmp/pw', '--config', 'u.json', '--verbose']);
    assert.ok(cmd.command === 'run');
    assert.equal(cmd.passwordFile, '/tmp/pw');
    assert.equal(cmd.config, 'u.json');
    assert.equal(cmd.verbose, true);
    const health = parseArgs(['health', '--password-file=/tmp/pw']);
    assert.ok(health.command === 'health' && health.passwordFile === '/tmp/pw');
  });

  it('refuses what is missing or extra, and passwords in argv', () => {
    usageError(() => parseArgs(['run']), /which operation/);
    usageError(() => parseArgs(['run', 'vacuum']), /needs --connection/);
    usageError(() => parseArgs(['run', 'vacuum', 'analyze', '--connection', 'p']), /one operation at a time/);
    usageError(() => parseArgs(['run', 'vacuum', '--connection', 'p', '--target']), /--target needs a value/);
    usageError(() => parseArgs(['run', 'vacuum', '--connection', 'p', '--yes=no']), /takes no value/);
    usageError(() => parseArgs(['run', 'vacuum', '--connection', 'p', '--format', 'md']), /unknown option --format/);
    usageError(() => parseArgs(['run', 'vacuum', '--connection', 'p', '--password', 'x']), /never taken on the command line.*--password-file/);
    usageError(() => parseArgs(['run', 'vacuum', '--connection', 'p', '--password-file', '']), /needs a file name/);
  });

  it('has help of its own, with every operation and exit code', () => {
    assert.deepEqual(parseArgs(['run', '--help']), { command: 'help', topic: 'run' });
    assert.deepEqual(parseArgs(['help', 'run']), { command: 'help', topic: 'run' });
    for (const op of RUN_OPERATIONS) assert.ok(RUN_HELP.includes(`  ${op.name} `), op.name);
    for (const text of ['--yes', '--target', '--database', '--password-file', '4 needs --yes', '2 refused', '130']) assert.ok(RUN_HELP.includes(text), text);
    assert.ok(GENERAL_HELP.includes('upkeep run <operation>') && GENERAL_HELP.includes('4 needs --yes'));
  });
});

describe('cli: upkeep run targets and --yes', () => {
  it('reads schema.name, a bare name (public) and quoted parts', () => {
    assert.deepEqual(parseQualifiedName('sales.orders'), { schema: 'sales', name: 'orders' });
    assert.deepEqual(parseQualifiedName('orders'), { schema: 'public', name: 'orders' });
    assert.deepEqual(parseQualifiedName(`"My ""S"".x"."${XSS}"`), { schema: 'My "S".x', name: XSS });
    assert.deepEqual(parseQualifiedName('"a.b"'), { schema: 'public', name: 'a.b' });
    assert.throws(() => parseQualifiedName('a.b.c'), /schema\.name/);
    assert.throws(() => parseQualifiedName('"open'), /not closed/);
    assert.throws(() => parseQualifiedName('a.'), /empty name/);
  });

  const profile = (production: boolean): Pick<ConnectionProfile, 'production' | 'name'> => ({ production, name: 'p' });

  it('needs --yes for blocking and destructive operations, and for everything on production', () => {
    assert.equal(needsYes({ risk: 'safe' }, profile(false)), undefined);
    assert.equal(needsYes({ risk: 'heavy' }, profile(false)), undefined);
    assert.match(needsYes({ risk: 'blocking' }, profile(false)) ?? '', /blocks/);
    assert.match(needsYes({ risk: 'destructive' }, profile(false)) ?? '', /deletes/);
    assert.match(needsYes({ risk: 'safe' }, profile(true)) ?? '', /production/);
    assert.equal(EXIT.needsYes, 4);
    assert.equal(EXIT.readOnly, 2);
  });
});

describe('cli: --password-file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-pwfile-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function file(name: string, text: string, mode: number): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    fs.chmodSync(p, mode);
    return p;
  }

  it('accepts 0600 and 0400 only', () => {
    assert.ok(privateMode(0o600) && privateMode(0o400) && privateMode(0o700));
    assert.ok(!privateMode(0o644) && !privateMode(0o640) && !privateMode(0o604) && !privateMode(0o660));
  });

  it('reads the first line of a 0600 file', async () => {
    assert.equal(await readPasswordFile(file('ok', 's3cr"et\nignored\n', 0o600)), 's3cr"et');
    assert.equal(await readPasswordFile(file('crlf', 'pw\r\n', 0o400)), 'pw');
  });

  it('refuses a file others may read, saying its mode, without its content', async () => {
    const p = file('open', 'topsecret\n', 0o644);
    await assert.rejects(readPasswordFile(p, EXIT.runFailed), (err: unknown) => {
      assert.ok(err instanceof CliError && err.exitCode === EXIT.runFailed);
      assert.match(err.message, /mode is 0644.*chmod 600.*refused/);
      assert.ok(!err.message.includes('topsecret'));
      return true;
    });
    await assert.rejects(readPasswordFile(path.join(dir, 'missing')), /cannot open it \(ENOENT\)/);
    await assert.rejects(readPasswordFile(file('empty', '\n', 0o600)), /first line is empty/);
    await assert.rejects(readPasswordFile(dir), /not a regular file/);
  });

  it('gives its password to every connection of the run that takes one, redacted from output', async () => {
    const known = new KnownSecrets();
    const passwords = new CliPasswords(known, { UPKEEP_PASSWORD_X: 'from-env' }, dir);
    passwords.useFilePassword('from-file');
    const p = { id: 'x', name: 'X', engine: 'postgres', host: 'h', port: 5432, user: 'u', passwordSource: 'secretStorage' } as unknown as ConnectionProfile;
    assert.equal(await passwords.passwordFor(p), 'from-file');
    assert.equal(known.redact('it was from-file'), 'it was ***');
  });
});
