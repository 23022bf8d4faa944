import { strict as assert } from 'node:assert';
import { blockBytes, cpuPercent, JsonLines, memoryUsed, networkBytes, toSample, type RawStats } from '../../src/core/docker/stats';
import { LogDemuxer, MAX_LINE_CHARS, muxFrame, parseLineFilter, RingBuffer, type LogLine } from '../../src/core/docker/logStream';
import { errorCountMarkdown, logsCommandLine, type ErrorCount } from '../../src/core/docker/logs';
import { shellWord } from '../../src/core/docker/cli';
import { buildVolumeRestore } from '../../src/core/docker/volumeOps';
import { CGROUP_V1, CGROUP_V2 } from './fixtures/dockerStats';

function demux(chunks: Buffer[], tty = false, timestamps = false): LogLine[] {
  const lines: LogLine[] = [];
  const d = new LogDemuxer(tty, timestamps, (l) => lines.push(l));
  for (const c of chunks) d.push(c);
  d.end();
  return lines;
}

describe('Docker stats math', () => {
  it('CPU % as docker stats: container delta over system delta times online CPUs', () => {
    // (945386983 − 650255450) / (1877480000000 − 1875480000000) × 2 × 100
    assert.equal(cpuPercent(CGROUP_V1).toFixed(2), '29.51');
    // (0.5e9 / 2e9) × 4 × 100
    assert.equal(cpuPercent(CGROUP_V2), 100);
    const noOnline: RawStats = { ...CGROUP_V1, cpu_stats: { ...CGROUP_V1.cpu_stats, online_cpus: 0 } };
    assert.equal(cpuPercent(noOnline).toFixed(2), '29.51', 'falls back to the per-CPU list');
    assert.equal(cpuPercent({ ...CGROUP_V1, precpu_stats: CGROUP_V1.cpu_stats }), 0, 'no delta, no CPU');
    assert.equal(cpuPercent({}), 0);
  });

  it('memory used = usage − total_inactive_file (cgroup v1) or − inactive_file (v2)', () => {
    assert.equal(memoryUsed(CGROUP_V1), 10_327_680 - 4_000_000);
    assert.equal(memoryUsed(CGROUP_V2), 50_000_000 - 10_000_000);
    assert.equal(memoryUsed({ memory_stats: { usage: 100, stats: { cache: 40 } } }), 60, 'old engines: cache');
    assert.equal(memoryUsed({ memory_stats: { usage: 100, stats: { inactive_file: 400 } } }), 100, 'never below zero');
    assert.equal(memoryUsed({}), 0);
  });

  it('network and block I/O totals across networks and both op spellings', () => {
    assert.deepEqual(networkBytes(CGROUP_V2), { rx: 1500, tx: 2000 });
    assert.deepEqual(networkBytes(CGROUP_V1), { rx: 0, tx: 0 });
    assert.deepEqual(blockBytes(CGROUP_V1), { read: 4096, write: 8192 });
    assert.deepEqual(blockBytes(CGROUP_V2), { read: 2_097_152, write: 2_097_152 });
  });

  it('samples carry rates per second against the previous one', () => {
    const first = toSample(CGROUP_V2);
    assert.equal(first.netRxRate, null);
    const later: RawStats = { ...CGROUP_V2, read: '2026-11-30T11:40:02.500000000Z', networks: { eth0: { rx_bytes: 5000, tx_bytes: 2000 } }, blkio_stats: { io_service_bytes_recursive: [{ op: 'write', value: 4_194_304 }] } };
    const second = toSample(later, first);
    assert.equal(second.t - first.t, 2000);
    assert.equal(second.netRxRate, (5000 - 1500) / 2);
    assert.equal(second.netTxRate, 0);
    assert.equal(second.blkWriteRate, (4_194_304 - 2_097_152) / 2);
    assert.equal(second.blkReadRate, 0, 'a counter that went down reads as 0, not negative');
    assert.equal(second.memLimit, 1_073_741_824);
    assert.equal(second.pids, 7);
    assert.deepEqual([second.netReported, second.blkReported], [true, true]);
    const none = toSample({ ...CGROUP_V1, blkio_stats: { io_service_bytes_recursive: [] } });
    assert.deepEqual([none.netReported, none.blkReported], [false, false], '--network none and no blkio counters are not "0 B/s"');
  });

  it('JSON lines split anywhere are put back together; junk lines are skipped', () => {
    const values: unknown[] = [];
    const lines = new JsonLines((v) => values.push(v));
    const text = `${JSON.stringify(CGROUP_V1)}\nnot json\n${JSON.stringify(CGROUP_V2)}\n`;
    for (let i = 0; i < text.length; i += 7) lines.push(Buffer.from(text.slice(i, i + 7)));
    assert.deepEqual(values, [CGROUP_V1, CGROUP_V2]);
  });
});

describe('Docker log demultiplexing', () => {
  const stream = Buffer.concat([
    muxFrame('stdout', 'out 1\nout '),
    muxFrame('stderr', 'err ü'),
    muxFrame('stdout', '2\n'),
    muxFrame('stderr', 'ñ\r\n<b>"quoted"</b>\n'),
    muxFrame('stdout', Buffer.from([0xe2, 0x9c])),
    muxFrame('stdout', Buffer.from([0x93, 0x0a])),
    muxFrame('stdout', 'no newline at the end'),
  ]);
  const expected: [string, string][] = [
    ['stdout', 'out 1'],
    ['stderr', 'err üñ'],
    ['stdout', 'out 2'],
    ['stderr', '<b>"quoted"</b>'],
    ['stdout', '✓'],
    ['stdout', 'no newline at the end'],
  ];
  const sorted = (ls: LogLine[]): [string, string][] => ls.map((l): [string, string] => [l.stream, l.text]);
  const byStream = (xs: [string, string][], s: string): string[] => xs.filter((x) => x[0] === s).map((x) => x[1]);

  it('splits a hand-made multiplexed buffer into stdout and stderr lines, whole', () => {
    const lines = sorted(demux([stream]));
    assert.deepEqual(byStream(lines, 'stdout'), byStream(expected, 'stdout'));
    assert.deepEqual(byStream(lines, 'stderr'), byStream(expected, 'stderr'));
  });

  it('gives the same lines whatever the chunk boundaries (headers and characters split)', () => {
    for (let size = 1; size <= 17; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      assert.deepEqual(sorted(demux(chunks)), sorted(demux([stream])), `chunks of ${size} bytes`);
    }
  });

  it('reads a TTY stream raw, as one stream', () => {
    assert.deepEqual(sorted(demux([Buffer.from('a\r\nb\nc')], true)), [['stdout', 'a'], ['stdout', 'b'], ['stdout', 'c']]);
  });

  it('splits off the engine timestamps', () => {
    const [line] = demux([muxFrame('stderr', '2026-11-30T11:33:47.611181123Z ERROR: x y\n')], false, true);
    assert.deepEqual(line, { stream: 'stderr', time: '2026-11-30T11:33:47.611181123Z', text: 'ERROR: x y' });
  });

  it('cuts an endless line instead of holding it', () => {
    const [line] = demux([muxFrame('stdout', `${'x'.repeat(MAX_LINE_CHARS * 10)}\n`)]);
    assert.ok(line && line.text.length < MAX_LINE_CHARS + 100 && line.text.endsWith('characters]'));
  });
});

describe('Docker log filter, cap and error summary', () => {
  it('a substring is matched as grep does; /regex/flags as a regular expression', () => {
    const sub = parseLineFilter('ERROR');
    assert.ok(sub?.test('x ERROR y') && !sub.test('error'));
    const re = parseLineFilter('/^(warn|error)\\b/i');
    assert.ok(re?.test('Error: disk') && re.test('WARN x') && !re.test('an error'));
    assert.equal(parseLineFilter('   '), undefined);
    assert.throws(() => parseLineFilter('/(/'), /The filter \/\(\/ is not a valid regular expression/);
    const g = parseLineFilter('/a/g');
    assert.ok(g?.test('a') && g.test('a'), 'no lastIndex state between lines');
  });

  it('a ring buffer keeps the last lines and counts what it let go', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 7; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [5, 6, 7]);
    assert.equal(ring.dropped, 4);
  });

  it('the error summary escapes names and lines for Markdown', () => {
    const counts: ErrorCount[] = [
      { id: '1', name: 'api|<b>', stdout: 2, stderr: 1, scanned: 10, last: [{ stream: 'stderr', time: 'T', text: 'ERROR `rm -rf` *x* | y' }] },
      { id: '2', name: 'db', stdout: 0, stderr: 0, scanned: 0, last: [], problem: 'no such container' },
    ];
    const md = errorCountMarkdown('Errors in project "p"', 'docker compose logs --since 24h | grep ERROR', counts);
    assert.match(md, /^\| api\\\|\\<b\\> \| 3 \| 2 \| 1 \| 10 \| T ERROR \\`rm -rf\\` \\\*x\\\* \\\| y \|$/m);
    assert.match(md, /\| db \| 0 \| 0 \| 0 \| 0 \| could not read: no such container \|/);
    assert.match(md, /^3 matching lines in 2 containers\.$/m);
  });

  it('the docker logs line quotes names for the shell', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    assert.equal(logsCommandLine('web-1', { since: now / 1000 - 600, tail: 100, timestamps: true, follow: true, stdout: true, stderr: false }, now), 'docker logs --follow --timestamps --since 10m --tail 100 web-1 2>/dev/null');
    assert.equal(shellWord(`it's "x"`), `'it'\\''s "x"'`);
  });
});

describe('Volume restore operation', () => {
  it('is destructive when it replaces files, names the volume to type, and quotes paths', () => {
    const op = buildVolumeRestore({ volume: 'pg_data', file: `/backups/it's here/pg.tar.gz`, fileBytes: 2048, replaces: true, exists: true, writers: [], evenIfInUse: false });
    assert.equal(op.risk, 'destructive');
    assert.equal(op.confirmName, 'pg_data');
    assert.equal(op.language, 'shell');
    assert.match(op.text, /-v '\/backups\/it'\\''s here:\/backup:ro'/);
    assert.match(op.text, /rm -rf/);
    assert.match(op.impact, /removes every file now in volume pg_data/);
    const fresh = buildVolumeRestore({ volume: 'new', file: '/b/x.tar.gz', fileBytes: 1, replaces: false, exists: false, writers: [], evenIfInUse: false });
    assert.equal(fresh.risk, 'heavy');
    assert.doesNotMatch(fresh.text, /rm -rf/);
  });
});

describe('Docker logs --since as typed', () => {
  it('reads durations, dates and "all"', async () => {
    const { parseSince } = await import('../../src/core/docker/logs');
    const now = Date.parse('2026-11-30T12:00:00Z');
    assert.equal(parseSince('10m', now), now / 1000 - 600);
    assert.equal(parseSince('24h', now), now / 1000 - 86400);
    assert.equal(parseSince(' 90s ', now), now / 1000 - 90);
    assert.equal(parseSince('all', now), undefined);
    assert.equal(parseSince('2026-11-30T10:00:00Z', now), Date.parse('2026-11-30T10:00:00Z') / 1000);
    assert.throws(() => parseSince('yesterday-ish', now), /is not a time: use a duration like 10m/);
  });
});
