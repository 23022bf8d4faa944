import { strict as assert } from 'node:assert';
import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { openDocker } from '../../src/core/docker/connection';
import { streamingDocker } from '../../src/core/docker/streaming';
import { countErrors, errorCountMarkdown, logSource, streamLogs, type LogQuery } from '../../src/core/docker/logs';
import { parseLineFilter, type LogLine } from '../../src/core/docker/logStream';
import { streamStats, type StatsSample } from '../../src/core/docker/stats';
import { runExec, startTtyExec } from '../../src/core/docker/exec';
import { makeContainer, removeLabelled, runLabel } from '../support/dockerFixtures';
import { dockerProfile, services } from './services';

const ALL: LogQuery = { timestamps: false, follow: false, stdout: true, stderr: true };

async function collect(docker: Dockerode, id: string, q: LogQuery, signal?: AbortSignal): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  await streamLogs(docker, await logSource(docker, id), q, (l) => lines.push(l), signal);
  return lines;
}

describe('Docker logs, stats and exec (real engine)', function () {
  this.timeout(60_000);
  const label = runLabel('observe');
  let docker: Dockerode;
  const image = (): string => services().docker.image;

  before(async () => {
    docker = await openDocker(dockerProfile());
  });
  after(async () => {
    await removeLabelled(docker, label);
  });

  it('demultiplexes stdout and stderr, and reads a TTY container as one stream', async () => {
    const hostile = `<script>alert("x")</script> 'quoted' ünïcødé ✓`;
    const plain = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'echo out; echo err >&2; echo "$HOSTILE"'], env: [`HOSTILE=${hostile}`] });
    await plain.wait();
    const lines = await collect(docker, plain.id, ALL);
    assert.deepEqual(lines.map((l) => [l.stream, l.text]).sort(), [['stderr', 'err'], ['stdout', 'out'], ['stdout', hostile]].sort());
    const onlyErr = await collect(docker, plain.id, { ...ALL, stdout: false });
    assert.deepEqual(onlyErr.map((l) => l.text), ['err']);

    const tty = await makeContainer(docker, { image: image(), label, tty: true, cmd: ['sh', '-c', 'echo out; echo err >&2'] });
    await tty.wait();
    const ttyLines = await collect(docker, tty.id, ALL);
    assert.deepEqual(ttyLines.map((l) => [l.stream, l.text]), [['stdout', 'out'], ['stdout', 'err']]);
  });

  it('--since cuts the earlier lines, --tail keeps the last ones, timestamps are split off', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'echo early-1; echo early-2; sleep 2; echo late-1; echo late-2'] });
    await c.wait();
    const stamped = await collect(docker, c.id, { ...ALL, timestamps: true });
    assert.deepEqual(stamped.map((l) => l.text), ['early-1', 'early-2', 'late-1', 'late-2']);
    const t = (text: string): number => Date.parse(stamped.find((l) => l.text === text)?.time ?? '') / 1000;
    assert.ok(Number.isFinite(t('late-1')), `timestamps: ${JSON.stringify(stamped[0])}`);
    const since = (t('early-2') + t('late-1')) / 2;
    assert.deepEqual((await collect(docker, c.id, { ...ALL, since })).map((l) => l.text), ['late-1', 'late-2']);
    assert.deepEqual((await collect(docker, c.id, { ...ALL, tail: 1 })).map((l) => l.text), ['late-2']);
  });

  it('follows a log through a quiet spell longer than the connect timeout, and stops when aborted', async () => {
    const profile = dockerProfile();
    const session = await openDocker(profile);
    const streaming = await streamingDocker(profile, session);
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'echo before; sleep 6; echo after; sleep 300'] });
    const controller = new AbortController();
    const seen: string[] = [];
    const done = streamLogs(streaming, await logSource(streaming, c.id), { ...ALL, follow: true }, (l) => {
      seen.push(l.text);
      if (l.text === 'after') controller.abort();
    }, controller.signal);
    assert.equal(await done, 'aborted');
    assert.deepEqual(seen, ['before', 'after']);
  });

  it('counts errors by container across a Compose project', async () => {
    // Compose itself allows only [a-z0-9_-], but a label can hold anything: quotes, HTML, unicode.
    const project = `${label} "<b>projét</b>" 'x'`;
    const compose = (service: string): Record<string, string> => ({ 'com.docker.compose.project': project, 'com.docker.compose.service': service });
    const api = await makeContainer(docker, { image: image(), label, labels: compose('api'), cmd: ['sh', '-c', 'echo "ERROR one"; echo fine; echo "ERROR two" >&2; echo "ERROR three"; echo error-lowercase'] });
    const db = await makeContainer(docker, { image: image(), label, labels: compose('db'), cmd: ['sh', '-c', 'echo ok; echo "FATAL ERROR: disk" >&2'] });
    const quiet = await makeContainer(docker, { image: image(), label, labels: compose('quiet'), cmd: ['sh', '-c', 'echo all good'] });
    await Promise.all([api.wait(), db.wait(), quiet.wait()]);
    const listed = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    assert.equal(listed.length, 3);
    const filter = parseLineFilter('ERROR');
    assert.ok(filter);
    const counts = await countErrors(docker, listed.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, '') })), filter, undefined);
    const byId = new Map(counts.map((c) => [c.id, c]));
    assert.deepEqual([byId.get(api.id)?.stdout, byId.get(api.id)?.stderr, byId.get(api.id)?.scanned], [2, 1, 5]);
    assert.deepEqual([byId.get(db.id)?.stdout, byId.get(db.id)?.stderr], [0, 1]);
    assert.deepEqual([byId.get(quiet.id)?.stdout, byId.get(quiet.id)?.stderr], [0, 0]);
    assert.equal(counts[0]?.id, api.id, 'most errors first');
    assert.equal(byId.get(db.id)?.last[0]?.text, 'FATAL ERROR: disk');
    const regex = parseLineFilter('/error/i');
    assert.ok(regex);
    const all = await countErrors(docker, [{ id: api.id, name: 'api' }], regex, undefined);
    assert.equal((all[0]?.stdout ?? 0) + (all[0]?.stderr ?? 0), 4);
    const md = errorCountMarkdown(`"ERROR" in project ${project}`, 'docker compose logs | grep ERROR', counts);
    assert.ok(md.includes('\\<b\\>projét\\</b\\>'), md.split('\n')[0]);
  });

  it('streams CPU and memory samples of a busy container, and stops on abort', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'while :; do :; done'] });
    const streaming = await streamingDocker(dockerProfile(), docker);
    const samples: StatsSample[] = [];
    const controller = new AbortController();
    const how = await streamStats(streaming, c.id, (s) => {
      samples.push(s);
      if (samples.length >= 3) controller.abort();
    }, controller.signal);
    await c.kill();
    assert.equal(how, 'aborted');
    assert.equal(samples.length, 3);
    const busy = samples.slice(1);
    assert.ok(busy.some((s) => s.cpuPercent > 10), `CPU % ${busy.map((s) => s.cpuPercent.toFixed(1)).join(', ')}`);
    assert.ok(samples.every((s) => s.memUsed > 0 && s.memLimit >= s.memUsed), JSON.stringify(samples.map((s) => [s.memUsed, s.memLimit])));
    assert.ok(samples.every((s) => s.pids >= 1));
    console.log(`      CPU % of a busy loop: ${busy.map((s) => s.cpuPercent.toFixed(1)).join(', ')}; memory used ${samples[0]?.memUsed} of ${samples[0]?.memLimit} bytes`);
  });

  it('exec runs a command and returns its output (apart) and exit code', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sleep', '300'] });
    const r = await runExec(docker, c.id, ['sh', '-c', 'echo hi; echo "oops <b>ü</b>" >&2; exit 3']);
    assert.deepEqual(r, { stdout: 'hi\n', stderr: 'oops <b>ü</b>\n', exitCode: 3, truncated: false });
    const big = await runExec(docker, c.id, ['sh', '-c', 'head -c 300000 /dev/zero'], { maxBytes: 1000 });
    assert.equal(big.stdout.length, 1000);
    assert.ok(big.truncated);
  });

  it('exec with a TTY: an interactive shell echoes, runs, resizes and exits with its code', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sleep', '300'] });
    const streaming = await streamingDocker(dockerProfile(), docker);
    const session = await startTtyExec(streaming, c.id, ['sh'], { cols: 100, rows: 30 });
    const stream: Duplex = session.stream;
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
    await session.resize(120, 40);
    stream.write('echo hello-$((40+2)); stty size\n');
    await waitUntil(() => out.includes('hello-42') && /40 120/.test(out), () => `terminal showed ${JSON.stringify(out)}`);
    stream.write('exit 7\n');
    await new Promise<void>((resolve) => (stream.readableEnded ? resolve() : stream.on('end', () => resolve())));
    assert.equal(await session.exitCode(), 7);
  });

  it('exec and the terminal refuse a stopped container with a clear message', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['true'] });
    await c.wait();
    await assert.rejects(runExec(docker, c.id, ['echo', 'x']), /needs a running container: ".+" is exited\. Start it first\./);
    await assert.rejects(startTtyExec(docker, c.id, ['sh']), /A terminal needs a running container/);
  });
});

async function waitUntil(ok: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}
