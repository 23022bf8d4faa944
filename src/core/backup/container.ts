/**
 * What a backup method may do with the server's own container, as shared
 * code sees it: run a command in it and copy a file out (ContainerAccess),
 * stop and start it and run containers of its image beside it
 * (ContainerControl). The Docker implementation is core/docker/containerAccess.ts
 * and containerControl.ts.
 */
/** What a backup method may do in the server's own container (its container engine's exec and archive APIs). */
export interface ContainerAccess {
  /** The container's name and where it runs, for messages and the manifest: `"pg-1" on Local Docker`. */
  describe: string;
  /** The port the server listens on inside the container, for the one the profile reaches (a published port, or the same with the host's network). */
  innerPort(profilePort: number, defaultPort: number): Promise<number>;
  /**
   * Runs `cmd` in the container without a shell. Secrets go in `env` (the
   * exec's environment), never in `cmd`. Its stdout is written to `stdout`
   * when given; an abort stops the process.
   */
  exec(cmd: readonly string[], opts: ContainerExecOptions): Promise<ContainerExecResult>;
  /** Copies one file of the container to `dest` (created, never replaced); returns its size. */
  copyOut(containerPath: string, dest: string, signal?: AbortSignal): Promise<number>;
  /** Stopping and starting the container, and one-shot containers of its image beside it (Neo4j's offline dump). */
  control: ContainerControl;
}

/**
 * The server's container as a whole, for a method that must stop it and run
 * the server's own tools on its store (neo4j-admin database dump/load). Every
 * container and volume it creates carries the label `upkeep.throwaway` and is
 * removed by the method that made it.
 */
export interface ContainerControl {
  /** The image the container was made from (its id, so a retag does not change it). */
  image: string;
  /** The engine runs on this machine (a unix socket): a throwaway server on the host's network is reachable on 127.0.0.1. */
  local: boolean;
  /** The container's mounts, by where they are mounted inside it. */
  mountTargets: readonly string[];
  /** Its environment variables named (values only for `names`), so a throwaway gets the same licence acceptance. */
  env(names: readonly string[]): Record<string, string>;
  /** Whether the container runs (or the throwaway `name` made here). */
  running(name?: string): Promise<boolean>;
  /** `docker stop` with this grace period, then waits until it has stopped. */
  stop(graceSeconds: number): Promise<void>;
  start(): Promise<void>;
  /**
   * Runs a one-shot container of the same image (no network unless `network`
   * says host) to its end and removes it: its stdout into `stdout`, a file
   * put into it first when `put` says so. An abort kills it.
   */
  runOnce(spec: OneShotSpec, opts: ContainerExecOptions): Promise<ContainerExecResult>;
  /** A new empty volume, labelled as a throwaway. */
  createVolume(purpose: string): Promise<string>;
  removeVolume(name: string): Promise<void>;
  /** Starts a long-running container of the same image (the host's network), labelled as a throwaway; returns its name. */
  startServer(spec: Omit<OneShotSpec, 'put' | 'network'>): Promise<string>;
  /** The last lines of a throwaway's output, for a message. */
  logsTail(name: string): Promise<string>;
  /** Force-removes a container made by `startServer` or `runOnce`, with its anonymous volumes. */
  removeContainer(name: string): Promise<void>;
}

/** A container of the server's image, beside the server's container. */
export interface OneShotSpec {
  purpose: string;
  /** Replaces the image's entrypoint (its scripts may write to stdout). */
  entrypoint?: readonly string[];
  cmd: readonly string[];
  env?: Record<string, string>;
  /**
   * 'same': the server container's volumes and bind mounts (`--volumes-from`,
   * writable: the tool takes the store's lock). Otherwise a volume of ours at
   * `at`, with the server container's bind mounts read-only (its other
   * volumes are not carried).
   */
  mounts: 'same' | { volume: string; at: string };
  network?: 'none' | 'host';
  /** A file of this machine placed into the container, as `dir/name`, before it starts. */
  put?: { file: string; dir: string; name: string };
}

export interface ContainerExecOptions {
  env?: Record<string, string | undefined>;
  /** Where stdout goes (a file being written); without it stdout is kept (its last 64 KB) in the result. */
  stdout?: NodeJS.WritableStream;
  onStderrLine?: (line: string) => void;
  signal?: AbortSignal;
  /** Extra work on abort while the process is stopped (PostgreSQL: terminate its backends). */
  onAbort?: () => Promise<void>;
  /** The exec's id once created (tests inspect it). */
  onStart?: (execId: string) => void;
}

export interface ContainerExecResult {
  exitCode: number | null;
  /** The last 64 KB of stderr. */
  stderr: string;
  /** The last 64 KB of stdout, when it was not sent to `stdout`. */
  stdout: string;
}
