/**
 * Container statistics from the engine's stats stream (`GET
 * /containers/{id}/stats?stream=true`, one JSON document a second), turned
 * into the numbers `docker stats` shows and computed the way it computes them.
 */
import type Dockerode from 'dockerode';
import { asError } from './streaming';

/** The parts of the engine's stats document read here (cgroup v1 and v2 shapes). */
export interface RawStats {
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number | undefined> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number } | undefined>;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  pids_stats?: { current?: number };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/**
 * CPU % as `docker stats` computes it: the container's CPU time since the
 * previous sample over the host's, times the number of CPUs (so one busy
 * core of four reads 100 %, all four 400 %).
 */
export function cpuPercent(s: RawStats): number {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  if (!cpu || !pre) return 0;
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 0;
  if (systemDelta <= 0 || cpuDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online * 100;
}

/**
 * Memory in use as `docker stats` shows it: the usage without the page cache
 * the kernel can drop — `inactive_file` on cgroup v2, `total_inactive_file`
 * on cgroup v1 (`cache` on engines too old to report that).
 */
export function memoryUsed(s: RawStats): number {
  const usage = s.memory_stats?.usage ?? 0;
  const stats = s.memory_stats?.stats ?? {};
  // cgroup v1 reports both inactive_file and total_inactive_file (with children): docker uses the total.
  const inactive = stats['total_inactive_file'] ?? stats['inactive_file'] ?? stats['cache'];
  if (inactive !== undefined && inactive < usage) return usage - inactive;
  return usage;
}

/** Bytes received and sent over all the container's networks (none with --network none). */
export function networkBytes(s: RawStats): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n?.rx_bytes ?? 0;
    tx += n?.tx_bytes ?? 0;
  }
  return { rx, tx };
}

/** Bytes read and written by block devices (cgroup v1 writes "Read", v2 "read"). */
export function blockBytes(s: RawStats): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') read += e.value ?? 0;
    else if (op === 'write') write += e.value ?? 0;
  }
  return { read, write };
}

/** One point of a container's charts. Totals are cumulative; rates are per second since the previous sample (null for the first). */
export interface StatsSample {
  /** Milliseconds since the epoch, from the engine's `read` time. */
  t: number;
  cpuPercent: number;
  memUsed: number;
  memLimit: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  netRxRate: number | null;
  netTxRate: number | null;
  blkReadRate: number | null;
  blkWriteRate: number | null;
  pids: number;
  /** False when the engine reports no network (a container with --network none): not the same as no traffic. */
  netReported: boolean;
  /** False when the engine reports no block I/O counters at all (some cgroup setups): not the same as no I/O. */
  blkReported: boolean;
}

/** A stats document as a sample, with rates against the previous sample of the same container. */
export function toSample(s: RawStats, previous?: StatsSample): StatsSample {
  const parsed = s.read ? Date.parse(s.read) : NaN;
  // A stopped container reports the zero time.
  const t = Number.isFinite(parsed) && parsed > 0 ? parsed : Date.now();
  const net = networkBytes(s);
  const blk = blockBytes(s);
  const dt = previous ? (t - previous.t) / 1000 : 0;
  const rate = (now: number, before: number | undefined): number | null => (previous && dt > 0 && before !== undefined ? Math.max(0, (now - before) / dt) : null);
  return {
    t,
    cpuPercent: cpuPercent(s),
    memUsed: memoryUsed(s),
    memLimit: s.memory_stats?.limit ?? 0,
    netRx: net.rx,
    netTx: net.tx,
    blkRead: blk.read,
    blkWrite: blk.write,
    netRxRate: rate(net.rx, previous?.netRx),
    netTxRate: rate(net.tx, previous?.netTx),
    blkReadRate: rate(blk.read, previous?.blkRead),
    blkWriteRate: rate(blk.write, previous?.blkWrite),
    pids: s.pids_stats?.current ?? 0,
    netReported: Object.keys(s.networks ?? {}).length > 0,
    blkReported: (s.blkio_stats?.io_service_bytes_recursive ?? []).length > 0,
  };
}

/** Splits newline-delimited JSON arriving in arbitrary chunks. */
export class JsonLines {
  private rest = '';

  constructor(private readonly onValue: (value: unknown) => void) {}

  push(chunk: Buffer | string): void {
    this.rest += chunk.toString();
    let nl = this.rest.indexOf('\n');
    while (nl !== -1) {
      const line = this.rest.slice(0, nl).trim();
      this.rest = this.rest.slice(nl + 1);
      if (line) {
        try {
          this.onValue(JSON.parse(line));
        } catch {
          // A line that is not JSON is not a sample: skipped.
        }
      }
      nl = this.rest.indexOf('\n');
    }
    // A document is a few kB: anything much longer without a newline is not one.
    if (this.rest.length > 1_000_000) this.rest = '';
  }
}

/**
 * Streams one container's samples into `onSample` until `signal` aborts or
 * the engine ends the stream (the container was removed). Rejects when the
 * engine refuses it or the connection breaks.
 */
export async function streamStats(docker: Dockerode, id: string, onSample: (sample: StatsSample) => void, signal: AbortSignal): Promise<'end' | 'aborted'> {
  if (signal.aborted) return 'aborted';
  let stream: (NodeJS.ReadableStream & { destroy(): void }) | undefined;
  try {
    stream = (await docker.getContainer(id).stats({ stream: true, abortSignal: signal } as { stream: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  } catch (err) {
    if (signal.aborted) return 'aborted';
    throw err;
  }
  const s = stream;
  let previous: StatsSample | undefined;
  const lines = new JsonLines((value) => {
    const sample = toSample(value as RawStats, previous);
    previous = sample;
    onSample(sample);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (how: 'end' | 'aborted', err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(asError(err));
      else resolve(how);
    };
    const onAbort = (): void => {
      s.destroy();
      finish('aborted');
    };
    signal.addEventListener('abort', onAbort);
    s.on('data', (chunk: Buffer) => lines.push(chunk));
    s.on('end', () => finish('end'));
    s.on('close', () => finish(signal.aborted ? 'aborted' : 'end'));
    s.on('error', (err: unknown) => (signal.aborted ? finish('aborted') : finish('end', err)));
  });
}
