/**
 * Docker's executor: runs DockerOps through the engine's API, one at a time,
 * by their kind. Each kind is a handler in HANDLERS, so a new kind of Docker
 * operation (a volume restore) is one more entry; a handler that needs a lot
 * of code loads it with import().
 */
import type Dockerode from 'dockerode';
import type { BatchOutcome, OperationExecutor, OperationOutcome, RunCallbacks } from '../operations/operation';
import { describeConnectionError } from '../connections/errors';
import { formatBytes } from '../format';
import { handledOutcome, runInTurn } from '../operations/inTurn';
import type { DockerSession } from './connection';
import type { DockerOp, DockerTarget } from './operation';
import { comparePlan, countWords, mapPruneResponse, type PrunePlan, type PruneResult } from './prune';

/** What a handler gets: the API client, the operation, and the run's signal and progress. */
export interface DockerHandlerContext {
  docker: Dockerode;
  session: DockerSession;
  op: DockerOp;
  signal?: AbortSignal;
  onProgress?: RunCallbacks<DockerOp>['onProgress'];
}

/** What a handler reports: lines for the log, one summary for the message, and data for callers (tests, the tree). */
export interface DockerHandlerResult {
  notices?: string[];
  summary?: string;
  details?: unknown;
}

export type DockerHandler = (ctx: DockerHandlerContext) => Promise<DockerHandlerResult>;

const containerOf = (ctx: DockerHandlerContext): Dockerode.Container => {
  const id = ctx.op.target.id;
  if (!id) throw new Error(`${ctx.op.title}: no container id.`);
  return ctx.docker.getContainer(id);
};

/** The engine answers 304 when a container already is in the state asked for: that is not a failure. */
async function tolerateNotModified(call: Promise<unknown>, already: string): Promise<DockerHandlerResult> {
  try {
    await call;
    return {};
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 304) return { summary: already };
    throw err;
  }
}

export const HANDLERS: Record<string, DockerHandler> = {
  start: (ctx) => tolerateNotModified(containerOf(ctx).start(), 'it was already running'),
  stop: (ctx) => tolerateNotModified(containerOf(ctx).stop(), 'it was already stopped'),
  restart: async (ctx) => {
    await containerOf(ctx).restart();
    return {};
  },
  pause: async (ctx) => {
    await containerOf(ctx).pause();
    return {};
  },
  unpause: async (ctx) => {
    await containerOf(ctx).unpause();
    return {};
  },
  remove: async (ctx) => {
    const p = ctx.op.params ?? {};
    await containerOf(ctx).remove({ v: p['removeVolumes'] === true, force: p['force'] === true });
    return {};
  },
  prune: (ctx) => runPrune(ctx),
  'volume-restore': (ctx) => runRestore(ctx),
};

/** A volume's files replaced by a backup's, through the archive API on a client without the idle timeout. */
async function runRestore(ctx: DockerHandlerContext): Promise<DockerHandlerResult> {
  const [{ restoreParams }, { restoreVolume }, { streamingDocker }] = await Promise.all([import('./volumeOps'), import('./volumeBackup'), import('./streaming')]);
  const volume = ctx.op.target.name ?? ctx.op.target.id;
  if (!volume) throw new Error(`${ctx.op.title}: no volume.`);
  const p = restoreParams(ctx.op);
  const docker = await streamingDocker(ctx.session.profile, ctx.docker);
  const onProgress = (n: number): void => ctx.onProgress?.({ phase: `${formatBytes(n)} written`, percent: null });
  const result = await restoreVolume(docker, volume, p.file, { signal: ctx.signal, evenIfInUse: p.evenIfInUse, onProgress });
  return { summary: `${formatBytes(result.tarBytes)} of files restored into ${volume}`, details: result };
}

async function runPrune(ctx: DockerHandlerContext): Promise<DockerHandlerResult> {
  const plan = ctx.op.params?.['plan'] as PrunePlan | undefined;
  if (!plan) throw new Error('The prune has no plan: nothing was sent.');
  const { docker } = ctx;
  const knownImages = new Set(plan.items.filter((i) => i.kind === 'images').map((i) => i.id));
  for (const img of (await docker.listImages({ all: true }).catch(() => [])) as { Id?: string }[]) if (img.Id) knownImages.add(img.Id);
  const results: PruneResult[] = [];
  for (const [i, step] of plan.steps.entries()) {
    if (ctx.signal?.aborted) break;
    ctx.onProgress?.({ phase: step.command.split('\n')[0] ?? step.kind, percent: (100 * i) / plan.steps.length });
    const opts = { filters: step.filters, abortSignal: ctx.signal };
    switch (step.kind) {
      case 'containers':
        results.push(mapPruneResponse('containers', await docker.pruneContainers(opts)));
        break;
      case 'networks':
        results.push(mapPruneResponse('networks', await docker.pruneNetworks(opts)));
        break;
      case 'images':
        results.push(mapPruneResponse('images', await docker.pruneImages(opts)));
        break;
      case 'build-cache':
        results.push(mapPruneResponse('build-cache', await docker.pruneBuilder({ all: true, abortSignal: ctx.signal } as Dockerode.PruneBuilderOptions)));
        break;
      case 'volumes':
        if (step.mode === 'prune') {
          results.push(mapPruneResponse('volumes', await docker.pruneVolumes(opts)));
        } else {
          // Older engines prune named volumes too: the planned anonymous ones go one by one (a volume taken into use meanwhile stays).
          const sizes = new Map(plan.items.filter((x) => x.kind === 'volumes').map((x) => [x.id, x.size ?? 0]));
          const deleted: string[] = [];
          for (const name of step.names ?? []) {
            if (ctx.signal?.aborted) break;
            try {
              await docker.getVolume(name).remove();
              deleted.push(name);
            } catch (err) {
              if ((err as { statusCode?: number }).statusCode !== 404 && (err as { statusCode?: number }).statusCode !== 409) throw err;
            }
          }
          results.push({ kind: 'volumes', deleted, spaceReclaimed: deleted.reduce((s, n) => s + (sizes.get(n) ?? 0), 0) });
        }
        break;
    }
  }
  const reclaimed = results.reduce((s, r) => s + r.spaceReclaimed, 0);
  const cmp = comparePlan(plan, results, knownImages);
  const notices = [
    ...results.map((r) => `${countWords(r.kind, r.deleted.length)} deleted${r.deleted.length ? `: ${r.deleted.map((id) => labelOf(plan, r.kind, id)).join(', ')}` : ''}${r.untagged?.length ? ` (untagged ${r.untagged.join(', ')})` : ''}`),
    ...(cmp.left.length ? [`Listed but not removed (in use again, or removed by someone else): ${cmp.left.map((x) => x.label).join(', ')}`] : []),
    ...(cmp.unexpected.length ? [`Removed though not listed (they became unused after the preview): ${cmp.unexpected.map((x) => x.id).join(', ')}`] : []),
    `Space reclaimed: ${formatBytes(reclaimed)}`,
  ];
  const count = results.reduce((s, r) => s + r.deleted.length, 0);
  return {
    notices,
    summary: `${count.toLocaleString('en-US')} removed, ${formatBytes(reclaimed)} reclaimed${cmp.left.length ? `; ${cmp.left.length} listed ones stayed` : ''}${cmp.unexpected.length ? `; ${cmp.unexpected.length} not in the preview went too` : ''}`,
    details: { results, reclaimed, ...cmp },
  };
}

function labelOf(plan: PrunePlan, kind: string, id: string): string {
  const item = plan.items.find((i) => i.kind === kind && i.id === id);
  return item ? item.label : id;
}

async function sizeText(docker: Dockerode, target: DockerTarget): Promise<string | undefined> {
  if (target.kind === 'container' && target.id) {
    const info = (await docker.getContainer(target.id).inspect({ size: true } as Dockerode.ContainerInspectOptions)) as { SizeRw?: number; SizeRootFs?: number };
    return `writable layer ${formatBytes(info.SizeRw ?? 0)}, with its image ${formatBytes(info.SizeRootFs ?? 0)}`;
  }
  if (target.kind === 'volume' && target.bytes !== undefined) return `${formatBytes(target.bytes)} backup file`;
  if (target.bytes !== undefined) return `${formatBytes(target.bytes)} to delete`;
  return undefined;
}

export function dockerExecutor(session: DockerSession): OperationExecutor<DockerOp> {
  return {
    sizeText: (target) => sizeText(session.docker, target),
    run: (ops, callbacks): Promise<BatchOutcome<DockerOp>> => runInTurn(ops, callbacks, (op) => runOne(session, op, callbacks)),
  };
}

function runOne(session: DockerSession, op: DockerOp, callbacks: RunCallbacks<DockerOp>): Promise<OperationOutcome> {
  const handler = HANDLERS[op.kind];
  if (!handler) {
    return Promise.resolve({ title: op.title, text: op.text, startedAt: new Date().toISOString(), notices: [], status: 'failed', durationMs: 0, problem: { kind: 'other', message: `Upkeep has no way to run a Docker "${op.kind}" operation: nothing was sent.` } });
  }
  return handledOutcome(op, callbacks.signal, () => handler({ docker: session.docker, session, op, signal: callbacks.signal, onProgress: callbacks.onProgress }), (err) => describeConnectionError(session.profile, err));
}
