/**
 * Docker's kind of Operation: an engine API call (or a short sequence of
 * them) whose `text` is the equivalent `docker` CLI command — what the
 * preview shows, the history keeps and a fix script runs. The executor
 * (executor.ts) makes the calls through the API, never the CLI.
 */
import type { Operation, OperationTarget, Risk } from '../operations/operation';
import { shellWord } from './cli';
import { countWords, describePlan, type PrunePlan } from './prune';

/** What a Docker operation acts on. */
export interface DockerTarget extends OperationTarget {
  kind: 'container' | 'engine' | 'volume' | 'project';
  /** A container's id, a volume's name. */
  id?: string;
  /** How people know it: a container's name (no slash), a volume's name. */
  name?: string;
  /** Prune: the bytes its listed items hold (the preview's size line). */
  bytes?: number;
}

export interface DockerOp extends Operation {
  engine: 'docker';
  language: 'shell';
  /** start, stop, restart, pause, unpause, remove, prune… — the executor's handlers are keyed by it. */
  kind: string;
  target: DockerTarget;
  /** What the handler needs beyond the target (remove: whether anonymous volumes go too; prune: the plan). */
  params?: Record<string, unknown>;
}

export type ContainerAction = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'remove';

export interface ContainerRef {
  id: string;
  name: string;
  state?: string;
}

const ACTIONS: Record<ContainerAction, { verb: string; risk: Risk; impact: (name: string, removeVolumes: boolean) => string }> = {
  start: { verb: 'Start', risk: 'safe', impact: (n) => `starts container ${n}` },
  stop: { verb: 'Stop', risk: 'blocking', impact: (n) => `stops container ${n} (SIGTERM, then SIGKILL after its stop timeout): what it serves is unavailable until it is started again` },
  restart: { verb: 'Restart', risk: 'blocking', impact: (n) => `stops and starts container ${n}: what it serves is unavailable meanwhile and its connections are dropped` },
  pause: { verb: 'Pause', risk: 'blocking', impact: (n) => `freezes every process of container ${n}: clients wait until it is unpaused` },
  unpause: { verb: 'Unpause', risk: 'safe', impact: (n) => `resumes the processes of container ${n}` },
  remove: {
    verb: 'Remove',
    risk: 'destructive',
    impact: (n, v) => `deletes container ${n} and its writable layer${v ? ', and its anonymous volumes' : ' (its volumes are kept)'}; a running one is stopped first`,
  },
};

/** The CLI line for a container action: `docker stop web`, `docker rm -v -f web`. */
export function containerCommand(action: ContainerAction, name: string, removeVolumes = false, force = false): string {
  const target = shellWord(name);
  if (action === 'remove') return `docker rm${removeVolumes ? ' -v' : ''}${force ? ' -f' : ''} ${target}`;
  return `docker ${action} ${target}`;
}

export function buildContainerOp(action: ContainerAction, c: ContainerRef, opts: { removeVolumes?: boolean } = {}): DockerOp {
  const a = ACTIONS[action];
  const removeVolumes = action === 'remove' && opts.removeVolumes === true;
  // A running container is stopped by the removal (the API's force): the preview says so.
  const force = action === 'remove' && (c.state === 'running' || c.state === 'paused' || c.state === 'restarting');
  return {
    engine: 'docker',
    language: 'shell',
    kind: action,
    title: `${a.verb} container ${c.name}`,
    target: { kind: 'container', id: c.id, name: c.name },
    text: containerCommand(action, c.name, removeVolumes, force),
    impact: a.impact(c.name, removeVolumes),
    risk: a.risk,
    confirmName: c.name,
    cancelNote: 'One call to the engine: once sent, Cancel cannot take it back.',
    params: { removeVolumes, force },
  };
}

/** A prune from its plan: the CLI lines of each step, and every item it removes in the impact. */
export function buildPruneOp(plan: PrunePlan, engineName: string, formatBytes: (n: number) => string): DockerOp {
  const kinds = plan.options.kinds;
  const words: Record<string, string> = {
    containers: 'stopped containers',
    networks: 'unused networks',
    volumes: plan.options.allVolumes ? 'unused volumes (named too)' : 'unused anonymous volumes',
    images: plan.options.allImages ? 'unused images' : 'dangling images',
    'build-cache': 'build cache',
  };
  const what = kinds.length >= 5 ? 'everything unused' : kinds.map((k) => words[k] ?? k).join(', ');
  const lines = describePlan(plan, formatBytes);
  const total = plan.items.length;
  const impact = total
    ? `deletes ${total.toLocaleString('en-US')} item${total === 1 ? '' : 's'}, freeing about ${formatBytes(plan.bytes)}:\n${lines.map((l) => `• ${l}`).join('\n')}`
    : `finds nothing to delete (${kinds.map((k) => countWords(k, 0)).join(', ')})`;
  return {
    engine: 'docker',
    language: 'shell',
    kind: 'prune',
    title: `Prune ${what}`,
    target: { kind: 'engine', name: engineName, bytes: plan.bytes },
    text: plan.steps.map((s) => s.command).join('\n') || '# nothing to run',
    impact,
    risk: 'destructive',
    confirmName: engineName,
    cancelNote: 'Cancel stops before the next prune step; a step the engine has begun runs to its end.',
    params: { plan },
  };
}
