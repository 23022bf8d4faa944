import { escapeGlob, prefixPattern } from '../../src/core/redis/glob';
import { strict as assert } from 'node:assert';
import {
  buildBgrewriteaof, buildBgsave, buildClientKill, buildDeleteKey, buildDeleteMatching, buildExpire, buildFlushAll, buildFlushDb, buildPersist, buildRename,
  keyLabel, parseTypedKey, redisFeatures, ttlText,
} from '../../src/core/redis/operations';
import { redisCliQuote } from '../../src/core/redis/operation';
import { parseClientList } from '../../src/core/redis/clientList';
import { parseKeyspace } from '../../src/core/redis/keyspaceCounts';
import { clientsMarkdown } from '../../src/commands/redis/clients';
import { describeConnectionError } from '../../src/core/connections/errors';
import type { ConnectionProfile } from '../../src/core/connections/profile';

const F = redisFeatures('7.0.15');
const OLD = redisFeatures('3.2.12');

describe('Redis operation builders', () => {
  it('knows what each server version supports', () => {
    assert.deepEqual(F, { unlink: true, flushAsync: true, scanType: true });
    assert.deepEqual(redisFeatures('5.0.7'), { unlink: true, flushAsync: true, scanType: false });
    assert.deepEqual(OLD, { unlink: false, flushAsync: false, scanType: false });
  });

  it('delete one key: UNLINK (DEL before 4.0), destructive, hostile names quoted as redis-cli reads them', () => {
    const op = buildDeleteKey(3, Buffer.from('user:"1" 2\n\xff', 'latin1'), F);
    assert.equal(op.text, 'SELECT 3\nUNLINK "user:\\"1\\" 2\\n\\xff"');
    assert.equal(op.risk, 'destructive');
    assert.equal(op.confirmName, 'db3', 'an untypeable name asks for the database instead');
    assert.deepEqual(op.commands, [['UNLINK', Buffer.from('user:"1" 2\n\xff', 'latin1')]]);
    assert.equal(buildDeleteKey(0, 'plain:key', OLD).text, 'SELECT 0\nDEL plain:key');
    assert.equal(buildDeleteKey(0, 'plain:key', F).confirmName, 'plain:key');
    assert.equal(buildDeleteKey(0, '<img src=x onerror=alert(1)>', F).text, 'SELECT 0\nUNLINK "<img src=x onerror=alert(1)>"');
  });

  it('TTL: EXPIRE in seconds, PEXPIRE in ms, PERSIST; a TTL must be above 0', () => {
    assert.equal(buildExpire(1, 'k', 3600).text, 'SELECT 1\nEXPIRE k 3600');
    assert.equal(buildExpire(1, 'k', 500, 'ms').text, 'SELECT 1\nPEXPIRE k 500');
    assert.match(buildExpire(1, 'k', 3600).impact, /in 1 h;/);
    assert.equal(buildExpire(1, 'k', 93_600).title, 'Set TTL of k to 1 d 2 h (db1)');
    assert.equal(ttlText(500), '500 ms');
    assert.equal(ttlText(90_000), '1 min 30 s');
    assert.equal(buildExpire(1, 'k', 5).risk, 'safe');
    assert.throws(() => buildExpire(1, 'k', 0), RangeError);
    assert.throws(() => buildExpire(1, 'k', 1.5), RangeError);
    const p = buildPersist(2, 'a b');
    assert.equal(p.text, 'SELECT 2\nPERSIST "a b"');
    assert.equal(p.risk, 'safe');
  });

  it('rename: RENAMENX by default (safe), RENAME only when overwriting (destructive)', () => {
    const nx = buildRename(0, 'old', 'new name');
    assert.equal(nx.text, 'SELECT 0\nRENAMENX old "new name"');
    assert.equal(nx.risk, 'safe');
    assert.equal(nx.kind, 'rename');
    const over = buildRename(0, 'old', 'new');
    assert.match(over.impact, /nothing is overwritten/);
    const ow = buildRename(0, 'old', 'new', true);
    assert.equal(ow.text, 'SELECT 0\nRENAME old new');
    assert.equal(ow.risk, 'destructive');
    assert.match(ow.impact, /value is lost/);
  });

  it('FLUSHDB / FLUSHALL: ASYNC where supported, destructive, the name typed always', () => {
    const db = buildFlushDb(3, F);
    assert.equal(db.text, 'SELECT 3\nFLUSHDB ASYNC');
    assert.deepEqual([db.risk, db.alwaysType, db.confirmName], ['destructive', true, 'db3']);
    assert.equal(buildFlushDb(3, OLD).text, 'SELECT 3\nFLUSHDB');
    const all = buildFlushAll(F);
    assert.equal(all.text, 'FLUSHALL ASYNC', 'server-wide: no SELECT');
    assert.deepEqual([all.risk, all.alwaysType, all.confirmName], ['destructive', true, 'FLUSHALL']);
    assert.equal(buildFlushAll(OLD).text, 'FLUSHALL');
    assert.equal(db.cancelNote, 'It is one command: once sent, Redis runs it whole and Cancel cannot stop it.');
  });

  it('BGSAVE / BGREWRITEAOF are heavy; CLIENT KILL ID is destructive and takes only a number', () => {
    assert.deepEqual([buildBgsave().text, buildBgsave().risk], ['BGSAVE', 'heavy']);
    assert.deepEqual([buildBgrewriteaof().text, buildBgrewriteaof().risk], ['BGREWRITEAOF', 'heavy']);
    assert.match(buildBgsave().cancelNote ?? '', /^Cancel stops the watching only: Redis has no command to stop/);
    const kill = buildClientKill('42', '127.0.0.1:5000 (worker)');
    assert.deepEqual([kill.text, kill.risk, kill.confirmName], ['CLIENT KILL ID 42', 'destructive', '42']);
    assert.throws(() => buildClientKill('42 TYPE normal', 'x'), RangeError);
  });

  it('pattern delete: the first SCAN as the command, the batches in words, TYPE only on 6.0+', () => {
    const op = buildDeleteMatching(5, prefixPattern('a*b:'), F, { batchSize: 200, scanCount: 1000, type: 'hash' });
    assert.equal(op.kind, 'delete-matching');
    assert.deepEqual([op.batchSize, op.scanCount, op.deleteVerb, op.risk], [200, 1000, 'UNLINK', 'destructive']);
    // redis-cli takes a backslash in a bare argument literally: the escaped glob needs no quotes.
    assert.equal(op.text.split('\n')[1], 'SCAN 0 MATCH a\\*b:* COUNT 1000 TYPE hash');
    assert.match(op.text, /deleted 200 at a time:\nUNLINK <key> <key> …$/);
    assert.match(op.impact, /never KEYS/);
    assert.equal(op.cancelNote, 'Cancel stops it between batches of 200: the keys deleted by then stay deleted, the rest stay.');
    assert.deepEqual(op.target, { kind: 'pattern', db: 5, key: Buffer.from('a\\*b:*'), type: 'hash' });
    assert.throws(() => buildDeleteMatching(5, '*', OLD, { type: 'hash' }), RangeError);
    assert.equal(buildDeleteMatching(5, 'x*', OLD).deleteVerb, 'DEL');
  });
});

describe('Redis globs and typed keys', () => {
  it('escapes * ? [ ] and \\ so a prefix matches only itself', () => {
    assert.equal(escapeGlob('a*b?[c]\\d:').toString(), 'a\\*b\\?\\[c\\]\\\\d:');
    assert.equal(prefixPattern('user:').toString(), 'user:*');
    assert.equal(prefixPattern('a*b:').toString(), 'a\\*b:*');
    const bin = Buffer.from([0x00, 0x2a, 0xff]);
    assert.deepEqual(escapeGlob(bin), Buffer.from([0x00, 0x5c, 0x2a, 0xff]));
    assert.equal(escapeGlob('plain ünï').toString(), 'plain ünï');
  });

  it('a typed key is plain text, or redis-cli quoting for bytes — the inverse of redisCliQuote', () => {
    assert.deepEqual(parseTypedKey('user:1'), Buffer.from('user:1'));
    assert.deepEqual(parseTypedKey('"a\\x00\\xff\\n\\"b\\\\"'), Buffer.from([0x61, 0x00, 0xff, 0x0a, 0x22, 0x62, 0x5c]));
    for (const k of [Buffer.from([0x68, 0x00, 0xff, 0xfe, 0x80]), Buffer.from('with "quotes" and \\ and\ttab'), Buffer.from('ünïcødé 🔑')]) {
      assert.deepEqual(parseTypedKey(redisCliQuote(k)), k);
    }
    assert.deepEqual(parseTypedKey('"unterminated'), Buffer.from('"unterminated'));
  });

  it('labels keys for one-line messages: no raw newline, long names clipped with their size', () => {
    assert.equal(keyLabel(Buffer.from('new\nline')), '"new\\nline"');
    assert.equal(keyLabel(Buffer.from([0x61, 0xff])), '"a\\xff"');
    const long = keyLabel(Buffer.from(`hostile:${'x'.repeat(10 * 1024)}`));
    assert.ok(long.length < 110);
    assert.match(long, /^hostile:x+… \(10,248 bytes\)$/);
    assert.equal(keyLabel('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
  });
});

describe('Redis server text', () => {
  it('parses CLIENT LIST, with an empty name and tot-mem', () => {
    const text = [
      'id=7 addr=127.0.0.1:50412 laddr=127.0.0.1:6379 fd=8 name= age=12 idle=3 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=22298 events=r cmd=client|list user=default redir=-1 resp=2',
      'id=9 addr=127.0.0.1:50414 laddr=127.0.0.1:6379 fd=9 name=upkeep age=5 idle=5 flags=N db=3 qbuf=0 omem=0 cmd=scan user=limited',
      '',
    ].join('\n');
    const c = parseClientList(text);
    assert.equal(c.length, 2);
    assert.deepEqual(c[0], { id: '7', addr: '127.0.0.1:50412', name: '', age: 12, idle: 3, db: 0, cmd: 'client|list', memoryBytes: 22298, flags: 'N', user: 'default' });
    assert.deepEqual([c[1]?.name, c[1]?.db, c[1]?.memoryBytes, c[1]?.user], ['upkeep', 3, 0, 'limited']);
  });

  it('the clients page marks Upkeep\'s connections and keeps hostile names inside their cells', () => {
    const clients = parseClientList([
      'id=3 addr=127.0.0.1:1 name=upkeep age=1 idle=1 db=0 cmd=info tot-mem=1024 user=default',
      'id=4 addr=127.0.0.1:2 name=upkeep-op age=1 idle=0 db=2 cmd=unlink tot-mem=2048 user=default',
      'id=5 addr=127.0.0.1:3 name=<img|x>`*_[a] age=9 idle=9 db=1 cmd=get tot-mem=0 user=default',
    ].join('\n'));
    const page = clientsMarkdown('Cache | prod', { clients, treeId: '3' });
    assert.match(page, /^# Redis clients — Cache \\\| prod$/m);
    assert.match(page, /^\| 3 \| .* \| Upkeep \(tree\) \|$/m);
    assert.match(page, /^\| 4 \| .* \| 2\.0 kB \| Upkeep \|$/m);
    const row = page.split('\n').find((l) => l.startsWith('| 5 |')) ?? '';
    assert.ok(row.includes('\\<img\\|x\\>\\`\\*\\_\\[a\\]'), row);
    assert.equal(row.split(/(?<!\\)\|/).length, 12, 'the name adds no cell');
  });

  it('reads INFO keyspace', () => {
    assert.deepEqual(parseKeyspace({ db3: 'keys=1204,expires=342,avg_ttl=0', db0: 'keys=1,expires=0,avg_ttl=0', used_memory: '1' }), [
      { db: 0, keys: 1, expires: 0, avgTtlMs: 0 },
      { db: 3, keys: 1204, expires: 342, avgTtlMs: 0 },
    ]);
  });
});

describe('Redis refusals in one line', () => {
  const profile: ConnectionProfile = { id: 'r', engine: 'redis', name: 'R', host: 'h', port: 6379, user: 'ops', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 1000 };
  const say = (message: string, p: ConnectionProfile = profile): { kind: string; message: string } => describeConnectionError(p, Object.assign(new Error(message), { name: 'ReplyError' }));

  it('a renamed or disabled command is named (Redis 7 and Redis 6 quoting)', () => {
    assert.deepEqual(say("ERR unknown command 'FLUSHDB', with args beginning with: 'ASYNC' "), { kind: 'other', message: 'FLUSHDB is renamed or disabled on this server (rename-command).' });
    assert.equal(say('ERR unknown command `flushall`, with args beginning with: ').message, 'FLUSHALL is renamed or disabled on this server (rename-command).');
  });

  it('an ACL refusal names the user and the command, or the key', () => {
    assert.deepEqual(say("NOPERM this user has no permissions to run the 'flushdb' command"), { kind: 'permission', message: 'The ACL user "ops" may not run FLUSHDB (+flushdb).' });
    assert.equal(say("NOPERM User x has no permissions to run the 'config|set' command", { ...profile, user: undefined }).message, 'The ACL user "default" may not run CONFIG|SET (+config|set).');
    assert.match(say('NOPERM this user has no permissions to access one of the keys used as arguments').message, /^The ACL user "ops" may not access this key/);
  });

  it('WRONGPASS stays an auth problem', () => {
    assert.equal(say('WRONGPASS invalid username-password pair or user is disabled.').kind, 'auth');
  });
});
