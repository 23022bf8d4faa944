/**
 * A container's logs from the engine (`GET /containers/{id}/logs`), always
 * read as a stream — also without follow, where dockerode would otherwise
 * buffer the whole log in memory — and handed on line by line, so callers
 * keep only what they choose (a ring of the last N lines, or counts).
 */
import { shellWord } from './cli';
import type Dockerode from 'dockerode';
import { LogDemuxer, type LineFilter, type LogLine } from './logStream';
import { asError, type ModemDial } from './streaming';

export interface LogQuery {
  /** Only lines after this moment, in Unix seconds (fractions allowed), like `docker logs --since`. */
  since?: number;
  /** Only the last n lines (before following), like `--tail`; undefined for all. */
  tail?: number;
  timestamps: boolean;
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** The container facts a log reader needs: its name (for titles) and whether it has a TTY (one raw stream). */
export interface LogSource {
  id: string;
  name: string;
  tty: boolean;
  running: boolean;
}

export async function logSource(docker: Dockerode, idOrName: string): Promise<LogSource> {
  const info = await docker.getContainer(idOrName).inspect();
  return { id: info.Id, name: info.Name.replace(/^\//, ''), tty: Boolean(info.Config.Tty), running: Boolean(info.State.Running) };
}

/** The `docker logs` command line a query stands for (shown to the user, and in titles). */
export function logsCommandLine(name: string, q: LogQuery, now = Date.now()): string {
  const parts = ['docker logs'];
  if (q.follow) parts.push('--follow');
  if (q.timestamps) parts.push('--timestamps');
  if (q.since !== undefined) parts.push(`--since ${sinceWords(q.since, now)}`);
  if (q.tail !== undefined) parts.push(`--tail ${q.tail}`);
  parts.push(shellWord(name));
  if (q.stdout && !q.stderr) parts.push('2>/dev/null');
  if (q.stderr && !q.stdout) parts.push('>/dev/null');
  return parts.join(' ');
}

/** "10m", "24h" for recent moments; an ISO time otherwise. */
function sinceWords(since: number, now: number): string {
  const ago = Math.round(now / 1000 - since);
  if (ago > 0 && ago % 3600 === 0) return `${ago / 3600}h`;
  if (ago > 0 && ago % 60 === 0) return `${ago / 60}m`;
  return new Date(since * 1000).toISOString();
}


/**
 * Streams a container's logs into `onLine` until the log ends (or, following,
 * until `signal` aborts). Resolves with how it ended; rejects when the engine
 * refuses or the connection breaks.
 */
export async function streamLogs(docker: Dockerode, source: LogSource, q: LogQuery, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<'end' | 'aborted'> {
  if (signal?.aborted) return 'aborted';
  const container = docker.getContainer(source.id);
  const options: Record<string, string | boolean | number> = { follow: q.follow, stdout: q.stdout, stderr: q.stderr, timestamps: q.timestamps, tail: q.tail === undefined ? 'all' : q.tail };
  if (q.since !== undefined) options['since'] = q.since.toFixed(3);
  const stream = await new Promise<NodeJS.ReadableStream & { destroy(): void }>((resolve, reject) => {
    (container.modem as ModemDial).dial(
      {
        path: `/containers/${encodeURIComponent(source.id)}/logs?`,
        method: 'GET',
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        options,
      },
      (err, data) => (err ? reject(asError(err)) : resolve(data as NodeJS.ReadableStream & { destroy(): void })),
    );
  }).catch((err: unknown) => {
    if (signal?.aborted) return undefined;
    throw err;
  });
  if (!stream) return 'aborted';
  const demux = new LogDemuxer(source.tty, q.timestamps, onLine);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (how: 'end' | 'aborted', err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      demux.end();
      if (err && how !== 'aborted') reject(asError(err));
      else resolve(how);
    };
    const onAbort = (): void => {
      stream.destroy();
      finish('aborted');
    };
    signal?.addEventListener('abort', onAbort);
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => finish('end'));
    stream.on('close', () => finish(signal?.aborted ? 'aborted' : 'end'));
    stream.on('error', (err: unknown) => (signal?.aborted ? finish('aborted') : finish('end', err)));
  });
}

/** What "count errors by container" found in one container's log. */
export interface ErrorCount {
  id: string;
  name: string;
  stdout: number;
  stderr: number;
  /** Lines read (both streams). */
  scanned: number;
  /** The last few matching lines, with their times. */
  last: LogLine[];
  /** Why this container's log could not be read, when it could not. */
  problem?: string;
}

const SAMPLES = 3;

/**
 * `docker compose logs --since … | grep ERROR | … | uniq -c`, per container:
 * reads each log as a stream and keeps only counts and the last few matches.
 */
export async function countErrors(docker: Dockerode, containers: { id: string; name: string }[], filter: LineFilter, since: number | undefined, signal?: AbortSignal): Promise<ErrorCount[]> {
  const one = async (c: { id: string; name: string }): Promise<ErrorCount> => {
    const count: ErrorCount = { id: c.id, name: c.name, stdout: 0, stderr: 0, scanned: 0, last: [] };
    try {
      const source = await logSource(docker, c.id);
      const q: LogQuery = { timestamps: true, follow: false, stdout: true, stderr: true };
      if (since !== undefined) q.since = since;
      await streamLogs(docker, source, q, (line) => {
        count.scanned++;
        if (!filter.test(line.text)) return;
        count[line.stream]++;
        count.last.push(line);
        if (count.last.length > SAMPLES) count.last.shift();
      }, signal);
    } catch (err) {
      count.problem = err instanceof Error ? err.message : String(err);
    }
    return count;
  };
  // A few at a time: a project of twenty containers should not open twenty streams at once.
  const out: ErrorCount[] = new Array<ErrorCount>(containers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < containers.length && !signal?.aborted) {
      const i = next++;
      const c = containers[i];
      if (c) out[i] = await one(c);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, containers.length) }, () => worker()));
  return out.filter(Boolean).sort((a, b) => b.stdout + b.stderr - (a.stdout + a.stderr) || a.name.localeCompare(b.name));
}

/** The summary as a Markdown table (the document the command opens). */
export function errorCountMarkdown(title: string, commandLine: string, counts: ErrorCount[]): string {
  const cell = (t: string): string => t.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/[<>&`*_[\]]/g, (ch) => `\\${ch}`);
  const total = counts.reduce((n, c) => n + c.stdout + c.stderr, 0);
  const lines = [
    `# ${cell(title)}`,
    '',
    `Equivalent: \`${commandLine.replace(/`/g, "'")}\``,
    '',
    `${total.toLocaleString('en-US')} matching line${total === 1 ? '' : 's'} in ${counts.length} container${counts.length === 1 ? '' : 's'}.`,
    '',
    '| Container | Matches | stdout | stderr | Lines read | Last match |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of counts) {
    const last = c.last[c.last.length - 1];
    const lastText = c.problem ? `could not read: ${c.problem}` : last ? `${last.time ?? ''} ${last.text}`.trim().slice(0, 200) : '';
    lines.push(`| ${cell(c.name)} | ${(c.stdout + c.stderr).toLocaleString('en-US')} | ${c.stdout.toLocaleString('en-US')} | ${c.stderr.toLocaleString('en-US')} | ${c.scanned.toLocaleString('en-US')} | ${cell(lastText)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `--since` as typed: a duration back from now ("90s", "10m", "1h", "24h",
 * "7d"), a date or time ("2026-11-30T10:00"), or "all"/"" for no limit.
 * Returns Unix seconds, or undefined for no limit; throws a readable error.
 */
export function parseSince(text: string, now = Date.now()): number | undefined {
  const t = text.trim().toLowerCase();
  if (!t || t === 'all') return undefined;
  const d = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(t);
  if (d) return now / 1000 - Number(d[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[d[2] as 's' | 'm' | 'h' | 'd'];
  const at = Date.parse(text.trim());
  if (Number.isFinite(at)) return at / 1000;
  throw new Error(`"${text}" is not a time: use a duration like 10m, 1h or 24h, or a date like 2026-11-30T10:00.`);
}
