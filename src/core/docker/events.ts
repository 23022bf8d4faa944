/**
 * The engine's event stream (`GET /events`), kept open while someone looks:
 * each event is handed on, a lost stream is reported and reopened with a
 * growing delay (1 s, 2 s, 4 s… up to 30 s), and `stop()` closes it for good.
 * No polling: between events nothing is sent.
 */
import type Dockerode from 'dockerode';

export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export type WatchState =
  | { state: 'connecting' }
  | { state: 'live' }
  /** The stream ended or could not be opened: `retryInMs` until the next try, `error` why. */
  | { state: 'lost'; retryInMs: number; error: string; attempt: number };

export interface WatcherOptions {
  /** Opens a client for the stream (no request timeout: the stream is quiet for long stretches). */
  open(): Promise<Dockerode>;
  onEvent(event: DockerEvent): void;
  onState(state: WatchState): void;
  /** The first retry delay and the cap (ms). */
  backoff?: { firstMs: number; maxMs: number };
  /** Event types to listen to (default: containers, images, volumes, networks). */
  types?: string[];
}

/** Container actions that change nothing the tree shows (an exec session, a terminal resize, a file copy). */
const QUIET_ACTIONS = new Set(['attach', 'detach', 'resize', 'top', 'archive-path', 'extract-to-dir', 'export', 'copy']);

/** Whether an event can change what the tree shows (exec sessions and the like do not). */
export function affectsTree(e: DockerEvent): boolean {
  const action = e.Action ?? '';
  return !(action.startsWith('exec_') || QUIET_ACTIONS.has(action.split(':')[0] ?? action));
}

/** The delay before retry `attempt` (1-based): first, doubled each time, capped. */
export function backoffDelay(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
}

/** Splits a byte stream of JSON objects, one a line, into objects (a line may arrive in pieces). */
export class JsonLines {
  private rest = '';
  push(chunk: Buffer | string): unknown[] {
    this.rest += chunk.toString();
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.flatMap((l) => {
      const t = l.trim();
      if (!t) return [];
      try {
        return [JSON.parse(t) as unknown];
      } catch {
        return [];
      }
    });
  }
}

export class DockerEventWatcher {
  private stopped = true;
  private stream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  private abort: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;

  constructor(private readonly options: WatcherOptions) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      // Closed on purpose: whatever it says while closing is not news.
      s.removeAllListeners();
      s.on('error', () => undefined);
      s.destroy?.();
    }
    this.abort?.abort();
    this.abort = undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.options.onState({ state: 'connecting' });
    const abort = new AbortController();
    this.abort = abort;
    try {
      const docker = await this.options.open();
      const types = this.options.types ?? ['container', 'image', 'volume', 'network'];
      const stream: NodeJS.ReadableStream & { destroy?: () => void } = await docker.getEvents({ filters: { type: types }, abortSignal: abort.signal } as Parameters<Dockerode['getEvents']>[0]);
      if (this.stopped || abort.signal.aborted) {
        stream.on('error', () => undefined);
        stream.destroy?.();
        return;
      }
      this.stream = stream;
      this.attempt = 0;
      this.options.onState({ state: 'live' });
      const lines = new JsonLines();
      let ended = false;
      const lost = (why: string): void => {
        if (ended) return;
        ended = true;
        if (this.stream === stream) this.stream = undefined;
        this.retry(why);
      };
      stream.on('data', (chunk: Buffer) => {
        for (const e of lines.push(chunk)) this.options.onEvent(e as DockerEvent);
      });
      stream.on('error', (err: Error) => lost(err.message || String(err)));
      stream.on('end', () => lost('the engine closed the event stream'));
      stream.on('close', () => lost('the event stream was closed'));
    } catch (err) {
      this.retry(err instanceof Error ? err.message : String(err));
    }
  }

  private retry(error: string): void {
    if (this.stopped) return;
    this.attempt++;
    const { firstMs, maxMs } = this.options.backoff ?? { firstMs: 1_000, maxMs: 30_000 };
    const retryInMs = backoffDelay(this.attempt, firstMs, maxMs);
    this.options.onState({ state: 'lost', retryInMs, error, attempt: this.attempt });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, retryInMs);
  }
}
