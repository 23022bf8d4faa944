/**
 * A terminal in a running container: a VS Code Pseudoterminal attached to an
 * exec session with a TTY (`docker exec -it <container> sh`). Keys go to the
 * session as typed, its output is written as it comes, a resize of the panel
 * resizes the TTY, and the terminal closes with the shell's exit code.
 */
import { StringDecoder } from 'node:string_decoder';
import * as vscode from 'vscode';
import type { Logger } from '../../core/log';
import { startTtyExec, type TtySession } from '../../core/docker/exec';
import { dockerFailure, streamingDocker } from '../../core/docker/streaming';
import type { DockerTargetArgs, DockerTargets } from './observeTarget';

export interface ExecArgs extends DockerTargetArgs {
  /** The command line of the shell; upkeep.docker.execShell by default ("sh"). */
  shell?: string;
}

/** An open exec terminal as tests see it: what it has written so far, and when it closed. */
export interface ExecTerminalHandle {
  name: string;
  terminal: vscode.Terminal;
  /** Everything written to the terminal (the last 64 kB). */
  transcript(): string;
  /** Sends text to the shell, as if typed. */
  send(text: string): void;
  /** Resolves with the shell's exit code when the session ends. */
  closed: Promise<number | null>;
}

const TRANSCRIPT_MAX = 64 * 1024;

class ExecPty implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  private session: TtySession | undefined;
  private text = '';
  private ended = false;
  private resolveClosed: (code: number | null) => void = () => undefined;
  readonly closed = new Promise<number | null>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly start: (size?: { cols: number; rows: number }) => Promise<TtySession>,
    private readonly label: string,
    private readonly shell: string,
    private readonly log: Logger,
  ) {}

  transcript(): string {
    return this.text;
  }

  private write(data: string): void {
    this.text = (this.text + data).slice(-TRANSCRIPT_MAX);
    this.writer.fire(data);
  }

  open(dims: vscode.TerminalDimensions | undefined): void {
    this.write(`\x1b[2mdocker exec -it ${this.label} ${this.shell}\x1b[0m\r\n`);
    void this.start(dims ? { cols: dims.columns, rows: dims.rows } : undefined).then(
      (session) => {
        this.session = session;
        const decoder = new StringDecoder('utf8');
        session.stream.on('data', (chunk: Buffer) => this.write(decoder.write(chunk)));
        const end = (): void => void this.end(decoder.end());
        session.stream.on('end', end);
        session.stream.on('close', end);
        session.stream.on('error', (err) => {
          this.log.warn(`Exec terminal ${this.label}: ${err.message}`);
          end();
        });
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        this.write(`\r\n\x1b[31m${message.replace(/\n/g, '\r\n')}\x1b[0m\r\n`);
        this.ended = true;
        this.resolveClosed(null);
      },
    );
  }

  private async end(rest: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (rest) this.write(rest);
    const code = await this.session?.exitCode().catch(() => null);
    const missing = code === 126 || code === 127 ? ` — is "${this.shell}" in the container? Set upkeep.docker.execShell to another shell.` : '';
    this.write(`\r\n\x1b[2m[exec session ended${code === null || code === undefined ? '' : ` with exit code ${code}`}${missing}]\x1b[0m\r\n`);
    this.resolveClosed(code ?? null);
    // Keep the terminal open on a failure so its message can be read; close it after a normal exit.
    if (code === 0) this.closer.fire(0);
  }

  handleInput(data: string): void {
    if (this.session && !this.ended) this.session.stream.write(data);
  }

  setDimensions(dims: vscode.TerminalDimensions): void {
    void this.session?.resize(dims.columns, dims.rows).catch(() => undefined);
  }

  close(): void {
    this.ended = true;
    this.session?.stream.end();
    this.session?.stream.destroy();
    this.resolveClosed(null);
  }
}

export class DockerExec {
  constructor(
    private readonly targets: DockerTargets,
    private readonly log: Logger,
  ) {}

  /** Opens a terminal in a running container (refused with a clear message for any other). */
  async open(node: unknown, args?: ExecArgs): Promise<ExecTerminalHandle> {
    const target = await this.targets.container(node, args, true);
    const shellLine = (args?.shell ?? vscode.workspace.getConfiguration('upkeep.docker').get<string>('execShell', 'sh')).trim() || 'sh';
    const shell = shellLine.split(/\s+/);
    const docker = await streamingDocker(target.profile, target.docker);
    const name = target.container.name;
    // The first call checks the state, so a stopped container is refused here, before a terminal opens.
    const first = await startTtyExec(docker, target.container.id, shell).catch((err: unknown) => {
      throw dockerFailure(`Opening a terminal in ${name}`, err, target.profile);
    });
    let used = false;
    const pty = new ExecPty(
      async (size) => {
        if (!used) {
          used = true;
          if (size) await first.resize(size.cols, size.rows).catch(() => undefined);
          return first;
        }
        return startTtyExec(docker, target.container.id, shell, size);
      },
      name,
      shellLine,
      this.log,
    );
    const terminal = vscode.window.createTerminal({ name: `${name} (${target.profile.name})`, pty, iconPath: new vscode.ThemeIcon('terminal') });
    terminal.show();
    return { name, terminal, transcript: () => pty.transcript(), send: (text) => pty.handleInput(text), closed: pty.closed };
  }
}
