import { strict as assert } from 'node:assert';
import { errorDetail, KnownSecrets, redact, redactingLogger } from '../../src/core/connections/redact';
import { redactUrl } from '../../src/core/connections/urlText';
import { parseConnectionUrl } from '../../src/core/connections/url';
import { commandFailure } from '../../src/commands/commandFailure';
import { UserFacingError } from '../../src/core/errors';
import type { Logger } from '../../src/core/log';

function collector(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, trace: push, debug: push, info: push, warn: push, error: push };
}

describe('redactUrl: passwords that hold URL punctuation', () => {
  it('removes a password with /, @, : or spaces around it, and password= parameters', () => {
    assert.equal(redactUrl('postgres://u:pa/ss@h:5432/db'), 'postgres://u:***@h:5432/db');
    assert.equal(redactUrl('postgres://u:p@ss@h/db'), 'postgres://u:***@h/db');
    assert.equal(redactUrl('redis://:a:b:c@h:6379'), 'redis://:***@h:6379');
    assert.equal(redactUrl('tcp://admin:x/y@10.0.0.1:bad'), 'tcp://admin:***@10.0.0.1:bad');
    assert.equal(redactUrl('see postgres://h/db?user=u&password=hunter2&sslmode=require'), 'see postgres://h/db?user=u&password=***&sslmode=require');
    assert.equal(redactUrl('password="two words" next'), 'password=*** next');
    // Nothing to hide: left alone.
    assert.equal(redactUrl('postgres://u@h:5432/db'), 'postgres://u@h:5432/db');
    assert.equal(redactUrl('postgres://u@h:5432/x@y'), 'postgres://u@h:5432/x@y');
  });

  it('parse errors never repeat the password, however odd the URL', () => {
    const cases = [
      { url: 'postgres://u:se/cret@h:99999/db', secret: 'se/cret' },
      { url: 'tcp://u:se/cret@host:bad', secret: 'se/cret' },
      { url: 'https://u:se/cret@host:bad', secret: 'se/cret' },
      { url: 'redis://:se/cret@h:notaport', secret: 'se/cret' },
    ];
    for (const { url, secret } of cases) {
      let message = '';
      try {
        parseConnectionUrl(url);
      } catch (err) {
        message = (err as Error).message;
      }
      assert.ok(message, `${url} fails to parse`);
      assert.ok(!message.includes(secret) && !message.includes('cret'), `${url} → ${message}`);
    }
  });
});

describe('redaction of known secrets', () => {
  it('removes every known value, longest first, also URL-encoded', () => {
    assert.equal(redact('x pa55 y pa55word z', ['pa55', 'pa55word']), 'x *** y *** z');
    assert.equal(redact('url postgres://h/db?x=p%40ss%2Fw', ['p@ss/w']), 'url postgres://h/db?x=***');
  });

  it('a redacting logger cleans every line of every secret read so far', () => {
    const inner = collector();
    const known = new KnownSecrets();
    const log = redactingLogger(inner, known);
    log.info('before: s3cret-env');
    known.add('s3cret-env');
    known.add(undefined);
    known.add('');
    log.error('Error: password authentication failed for s3cret-env\n    at connect (postgres://app:other@db/x)');
    log.warn('pgpass value s3cret-env');
    assert.equal(inner.lines[0], 'before: s3cret-env', 'a value not yet read is not known');
    assert.ok(inner.lines.slice(1).every((l) => !l.includes('s3cret-env') && !l.includes('other')), inner.lines.join('\n'));
    assert.match(inner.lines[1] ?? '', /postgres:\/\/app:\*\*\*@db\/x/);
  });

  it('leaves values too short to protect anything out of every line, so the log stays readable', () => {
    const inner = collector();
    const known = new KnownSecrets();
    known.add('x');
    known.add('abc');
    redactingLogger(inner, known).info('Upkeep activated: extension x, abc');
    assert.equal(inner.lines[0], 'Upkeep activated: extension x, abc');
    assert.equal(redact('password x', ['x']), 'password ***', 'where the connection is known, its own password goes whatever its length');
  });
});

describe('command failures: the log line and the message', () => {
  const known = new KnownSecrets();
  known.add('hunter2');
  const clean = (t: string): string => known.redact(t);

  it('logs the stack and shows one line, both without the password or a URL password', () => {
    const err = new Error('connect failed for postgres://alice:hunter2@db.internal/shop (password hunter2 rejected)');
    err.stack = `${err.stack ?? ''}\n    at frame (redis://:other-secret@cache:6379)`;
    const failure = commandFailure('upkeep.testConnection', err, clean);
    assert.match(failure.log, /^upkeep\.testConnection: Error: connect failed/);
    assert.match(failure.log, /\n\s+at /, 'the stack is logged');
    for (const text of [failure.log, failure.show]) {
      assert.ok(!text.includes('hunter2'), text);
      assert.ok(!text.includes('other-secret'), text);
    }
    assert.equal(failure.show, 'Upkeep: connect failed for postgres://alice:***@db.internal/shop (password *** rejected)');
  });

  it('shows a user-facing message whole, still redacted; non-errors too', () => {
    assert.equal(commandFailure('x', new UserFacingError('Wrong: hunter2\nsecond line'), clean).show, 'Wrong: ***\nsecond line');
    assert.equal(commandFailure('x', 'thrown string hunter2', clean).log, 'x: thrown string ***');
    assert.match(errorDetail({ code: 'E' }), /"code":"E"/);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    assert.equal(errorDetail(circular), '[object Object]');
  });
});
