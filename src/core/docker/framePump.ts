/**
 * A container's multiplexed output (a non-TTY exec or attach stream) pumped
 * to where a backup method wants it: stdout into a file being written, with
 * backpressure (a slow disk pauses the engine's stream instead of filling
 * memory), stderr split into lines; the last 64 KB of each kept for messages.
 */
import type { Readable } from 'node:stream';
import { FrameDemuxer } from './logStream';

const TAIL = 64 * 1024;

export interface PumpTarget {
  /** Where stdout goes; without it stdout's tail is kept. */
  stdout?: NodeJS.WritableStream;
  onStderrLine?: (line: string) => void;
}

export interface FramePump {
  /** Resolves when the stream ends or closes (or errors while `ended()` says it was stopped on purpose). */
  done: Promise<void>;
  stderr(): string;
  stdout(): string;
  /** A failure writing stdout (a full disk), which also ends the stream. */
  writeFailure(): Error | undefined;
}

export function pumpFrames(stream: Readable, target: PumpTarget, stoppedOnPurpose: () => boolean): FramePump {
  let stderr = '';
  let stdout = '';
  let partial = '';
  let failure: Error | undefined;
  const out = target.stdout;
  const onWriteError = (err: Error): void => {
    failure = err;
    stream.destroy();
  };
  out?.on('error', onWriteError);
  const demux = new FrameDemuxer(false, (which, bytes) => {
    if (which === 'stderr') {
      const text = bytes.toString('utf8');
      stderr = (stderr + text).slice(-TAIL);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) target.onStderrLine?.(l);
      return;
    }
    if (!out) {
      stdout = (stdout + bytes.toString('utf8')).slice(-TAIL);
      return;
    }
    if (!out.write(Buffer.from(bytes))) {
      stream.pause();
      out.once('drain', () => stream.resume());
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', (err) => (stoppedOnPurpose() || failure ? resolve() : reject(err)));
  }).finally(() => {
    out?.removeListener('error', onWriteError);
    if (partial) target.onStderrLine?.(partial);
    partial = '';
  });
  return { done, stderr: () => stderr, stdout: () => stdout, writeFailure: () => failure };
}
