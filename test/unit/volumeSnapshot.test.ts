import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarDigest, type TarListing } from '../../src/core/docker/tarDigest';
import { compareSnapshots, volumeSnapshot } from '../../src/core/docker/volumeSnapshot';

/** One 512-byte ustar header. */
function header(name: string, size: number, type: string, link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write(link, 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A pax record "<len> key=value\n" (the length counts itself). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

type Entry = { name: string; data?: string | Buffer; type?: string; link?: string; pax?: boolean };

function tarOf(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data ?? Buffer.alloc(0);
    if (e.pax) {
      const pax = Buffer.from(paxRecord('path', e.name));
      parts.push(header('././@PaxHeader', pax.length, 'x'), padded(pax));
    }
    parts.push(header(e.pax ? 'placeholder' : e.name, data.length, e.type ?? '0', e.link), padded(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** Feeds the archive in small, uneven chunks, as a socket would. */
async function listingOf(tar: Buffer, chunk = 97): Promise<TarListing> {
  const digest = new TarDigest();
  const pieces: Buffer[] = [];
  for (let at = 0; at < tar.length; at += chunk) pieces.push(tar.subarray(at, at + chunk));
  await pipeline(Readable.from(pieces), digest);
  return digest.listing;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const HOSTILE = `ünïcødé dir/<img src=x onerror=alert(1)>"quoted"/it's ✓ ${'long '.repeat(30)}.txt`;

describe('Docker volume backups: the tar reader and the comparison', () => {
  it('lists files with their SHA-256, pax names (unicode, longer than 100 bytes), links and directories, whatever the chunking', async () => {
    const tar = tarOf([
      { name: './', type: '5' },
      { name: './a.txt', data: 'hello' },
      { name: HOSTILE, data: '<b>payload</b>\n', pax: true },
      { name: './empty', data: '' },
      { name: './dir/', type: '5' },
      { name: './link', type: '2', link: './a.txt' },
      { name: './big.bin', data: Buffer.alloc(5000, 7) },
    ]);
    for (const chunk of [1, 97, 512, 100_000]) {
      const l = await listingOf(tar, chunk);
      assert.deepEqual(l.files.map((f) => f.path), ['a.txt', HOSTILE, 'empty', 'link', 'big.bin'], `chunk ${chunk}`);
      assert.equal(l.files[0]?.sha256, sha('hello'));
      assert.equal(l.files[1]?.sha256, sha('<b>payload</b>\n'));
      assert.equal(l.files[3]?.kind, 'symlink');
      assert.equal(l.files[3]?.sha256, sha('link:a.txt'));
      assert.equal(l.directories, 1, 'the root "./" is not counted');
      assert.equal(l.bytes, 5 + 15 + 5000);
    }
  });

  it('a truncated archive fails, naming the entry', async () => {
    const tar = tarOf([{ name: './cut.bin', data: Buffer.alloc(3000, 1) }]);
    await assert.rejects(listingOf(tar.subarray(0, 1500)), /The archive ends in the middle of cut\.bin\./);
  });

  it('compares: equal passes, a changed, a missing and an extra file are each named (JSON-quoted)', async () => {
    const before = await listingOf(tarOf([{ name: './a', data: 'x' }, { name: HOSTILE, data: 'y', pax: true }, { name: './gone', data: 'z' }]));
    const snapshot = volumeSnapshot('vol', before);
    assert.deepEqual(compareSnapshots(snapshot, before), []);
    const after = await listingOf(tarOf([{ name: './a', data: 'x' }, { name: HOSTILE, data: 'Y', pax: true }, { name: './new', data: 'z' }]));
    const diffs = compareSnapshots(snapshot, after);
    assert.equal(diffs.length, 3, diffs.join('\n'));
    assert.ok(diffs[0]?.startsWith(`file ${JSON.stringify(HOSTILE)}: content differs`));
    assert.equal(diffs[1], 'file "gone": in the backup\'s record, missing after the restore');
    assert.equal(diffs[2], 'file "new": restored but not in the backup\'s record');
  });

  it('above the limit only a digest of the list is kept, and a difference is still found', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `./f${i}`, data: `content ${i}` }));
    const listing = await listingOf(tarOf(entries));
    const snapshot = volumeSnapshot('vol', listing, 10);
    assert.equal(snapshot.checksums, undefined);
    assert.equal(snapshot.files, 30);
    assert.deepEqual(compareSnapshots(snapshot, listing), []);
    const changed = await listingOf(tarOf(entries.map((e, i) => (i === 17 ? { ...e, data: 'content 1x' } : e))));
    const diffs = compareSnapshots(snapshot, changed);
    assert.equal(diffs.length, 1);
    assert.match(diffs[0] ?? '', /^the checksums of the 30 files differ from those recorded/);
  });
});
