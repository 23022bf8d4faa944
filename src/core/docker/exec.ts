/**
 * Commands inside a running container through the engine's exec API: a
 * non-interactive run that returns output and exit code, and an interactive
 * session with a TTY (what the editor's terminal attaches to).
 */
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { UserFacingError } from '../errors';
import { FrameDemuxer } from './logStream';

/** The container's name and whether it runs; refuses with a clear message when it does not. */
export async function requireRunning(docker: Dockerode, idOrName: string, what: string): Promise<{ id: string; name: string }> {
  const info = await docker.getContainer(idOrName).inspect();
  const name = info.Name.replace(/^\//, '');
  if (!info.State.Running || info.State.Paused) {
    const state = info.State.Paused ? 'paused' : info.State.Status || 'stopped';
    throw new UserFacingError(`${what} needs a running container: "${name}" is ${state}. Start it first.`);
  }
  return { id: info.Id, name };
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** True when the output went past `maxBytes` and the rest was dropped. */
  truncated: boolean;
}

/** The exit code once the engine says the process ended (it can lag the end of the stream a little). */
export async function exitCodeOf(exec: Dockerode.Exec): Promise<number | null> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? null;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

/** Runs `cmd` in a running container without a TTY and returns what it printed (stdout and stderr apart) and its exit code. */
export async function runExec(docker: Dockerode, idOrName: string, cmd: string[], opts: { maxBytes?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
  const { id } = await requireRunning(docker, idOrName, 'Running a command');
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream: Duplex = await exec.start({ hijack: true, stdin: false });
  const max = opts.maxBytes ?? 1024 * 1024;
  const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  let bytes = 0;
  let truncated = false;
  const demux = new FrameDemuxer(false, (s, chunk) => {
    if (bytes >= max) {
      truncated = true;
      return;
    }
    const keep = chunk.subarray(0, max - bytes);
    if (keep.length < chunk.length) truncated = true;
    bytes += keep.length;
    out[s].push(Buffer.from(keep));
  });
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      stream.destroy();
      reject(new UserFacingError('The command was cancelled (it may still be running in the container).'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', (err) => reject(err));
  });
  return { stdout: Buffer.concat(out.stdout).toString('utf8'), stderr: Buffer.concat(out.stderr).toString('utf8'), exitCode: await exitCodeOf(exec), truncated };
}

/** An interactive exec session: the raw TTY stream both ways, a resize, and the exit code when it ends. */
export interface TtySession {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  exitCode(): Promise<number | null>;
}

/** Starts `shell` in a running container with a TTY, as `docker exec -it <container> <shell>` does. */
export async function startTtyExec(docker: Dockerode, idOrName: string, shell: string[], size?: { cols: number; rows: number }): Promise<TtySession & { name: string }> {
  const { id, name } = await requireRunning(docker, idOrName, 'A terminal');
  const exec = await docker.getContainer(id).exec({
    Cmd: shell,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: ['TERM=xterm-256color'],
    ...(size ? { ConsoleSize: [size.rows, size.cols] } : {}),
  });
  const stream: Duplex = await exec.start({ hijack: true, stdin: true, Tty: true });
  return {
    name,
    stream,
    resize: async (cols, rows) => {
      await exec.resize({ w: cols, h: rows });
    },
    exitCode: () => exitCodeOf(exec),
  };
}
