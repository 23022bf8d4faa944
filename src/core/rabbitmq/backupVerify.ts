/**
 * Verify of a definitions backup by restoring it: for each vhost with
 * queues, exchanges, bindings or policies, a throwaway vhost
 * `upkeep_verify_<random>` on the broker (the source, or one the user names),
 * the connection's user given permissions on it, that vhost's objects
 * imported with POST /api/definitions/{vhost}, the broker's own export of it
 * read back and compared with the backup, and the throwaway vhost deleted —
 * whatever happens: a difference, a refused import, an error, a cancel.
 * Users, permissions and parameters would change the real broker if
 * imported: they are checked by reading only, and the result says which is
 * which.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { BackupManifest, VerifyContext, VerifyResult } from '../backup/model';
import { checkHashes } from '../backup/files';
import { Cancelled, isCancelled, UserFacingError } from '../errors';
import type { RabbitApi } from './connection';
import { parseDefinitions } from './definitions';
import { apiStatus } from './request';
import { compareIndex, compareVhost, importBody, objectIndex, RESTORED, splitByVhost, structuralProblems, vhostContent, type VhostContent } from './backupCompare';

type Json = Record<string, unknown>;

/** The lists of the snapshot, in the order the summary names them. */
export const COUNTED = ['users', 'vhosts', 'permissions', 'policies', 'queues', 'exchanges', 'bindings', 'parameters'] as const;

/** What the manifest keeps: the counts and, up to INDEX_LIMIT objects, each vhost's object identities. */
export interface RabbitSnapshotDetail {
  counts: Record<string, number>;
  index?: Record<string, string[]>;
}

export function countDefinitions(defs: Json): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of COUNTED) counts[key] = Array.isArray(defs[key]) ? defs[key].length : 0;
  return counts;
}

export function definitionsSnapshot(defs: Json): RabbitSnapshotDetail {
  const index = objectIndex(defs);
  return { counts: countDefinitions(defs), ...(index ? { index } : {}) };
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;

function countDifferences(then: Record<string, number>, now: Record<string, number>): string[] {
  return COUNTED.filter((k) => (then[k] ?? 0) !== (now[k] ?? 0)).map((k) => `${k}: ${fmt(then[k] ?? 0)} at backup, ${fmt(now[k] ?? 0)} in the file`);
}

/** A vhost name that is not there yet: PUT on an existing vhost succeeds, and Verify would then delete someone's vhost. */
async function freshVhost(api: RabbitApi, signal: AbortSignal | undefined): Promise<string> {
  for (let i = 0; i < 3; i++) {
    const name = `upkeep_verify_${randomBytes(6).toString('hex')}`;
    const taken = await api.call({ method: 'GET', path: ['vhosts', name] }, signal ? { signal } : {}).then(() => true, (err: unknown) => {
      if (apiStatus(err) === 404) return false;
      throw err;
    });
    if (!taken) return name;
  }
  throw new Error('Could not find a free name for the throwaway vhost.');
}

/** Deletes the throwaway vhost (never with the verify's signal: a cancel must still clean up) and checks it is gone; what is left, in words. */
async function removeVhost(api: RabbitApi, vhost: string): Promise<string | undefined> {
  let last = '';
  for (let i = 0; i < 3; i++) {
    await api.call({ method: 'DELETE', path: ['vhosts', vhost] }, { timeoutMs: 60_000 }).catch((err: unknown) => {
      if (apiStatus(err) !== 404) last = (err as Error).message;
    });
    const gone = await api.call({ method: 'GET', path: ['vhosts', vhost] }, { timeoutMs: 30_000 }).then(() => false, (err: unknown) => apiStatus(err) === 404);
    if (gone) return undefined;
  }
  return `vhost ${vhost} could not be deleted${last ? ` (${last})` : ''}`;
}

interface VhostOutcome {
  differences: string[];
  /** The broker refused the import: its reason. */
  refused?: string;
  objects: number;
  left?: string;
}

async function restoreVhost(api: RabbitApi, user: string, vhost: string, content: VhostContent, version: unknown, ctx: VerifyContext): Promise<VhostOutcome> {
  const signal = ctx.signal;
  const opts = signal ? { signal } : {};
  const throwaway = await freshVhost(api, signal);
  const objects = RESTORED.reduce((n, k) => n + content[k].length, 0);
  let created = false;
  let left: string | undefined;
  let outcome: VhostOutcome;
  try {
    ctx.onProgress?.({ phase: `restoring vhost ${vhost} into ${throwaway}` });
    created = true; // before the request: a cancel while it is sent may still have created it
    await api.call({ method: 'PUT', path: ['vhosts', throwaway], body: { description: 'Upkeep: throwaway vhost of a backup verify, deleted when the verify ends' } }, opts);
    await api.call({ method: 'PUT', path: ['permissions', throwaway, user], body: { configure: '.*', write: '.*', read: '.*' } }, opts);
    let refused: string | undefined;
    try {
      await api.call({ method: 'POST', path: ['definitions', throwaway], body: importBody(content, throwaway, version) }, { ...opts, timeoutMs: 300_000 });
    } catch (err) {
      // The broker refusing a definition (an argument it rejects) is the backup's fault: a failed verify, not an error.
      if (apiStatus(err) !== 400) throw err;
      refused = (err as { reason?: string }).reason ?? (err as Error).message;
    }
    if (refused !== undefined) outcome = { differences: [`vhost ${JSON.stringify(vhost)}: the broker refused the import: ${refused}`], refused, objects };
    else {
      await ctx.afterRestore?.(throwaway);
      if (signal?.aborted) throw new Cancelled();
      const exported = parseDefinitions(await api.send({ method: 'GET', path: ['definitions', throwaway] }, { ...opts, timeoutMs: 120_000, maxBytes: 512 * 1024 * 1024 }), `GET /api/definitions/${throwaway}`);
      outcome = { differences: compareVhost(vhost, content, vhostContent(exported)), objects };
    }
  } finally {
    if (created) {
      ctx.onProgress?.({ phase: `deleting ${throwaway}` });
      left = await removeVhost(api, throwaway);
      if (left) ctx.log.error(`Verify: ${left}. Delete it by hand.`);
    }
  }
  return left ? { ...outcome, left } : outcome;
}

export async function verifyDefinitions(file: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const started = Date.now();
  const server = ctx.target ?? { profile: ctx.profile, password: ctx.password };
  const into = ctx.target ? `throwaway vhosts on "${server.profile.name}"` : 'throwaway vhosts on the same broker';
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = [], restored = false): VerifyResult => ({
    status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, ...(restored ? { restoredInto: into } : {}),
  });
  if (server.profile.engine !== 'rabbitmq') throw new UserFacingError(`"${server.profile.name}" is not a RabbitMQ connection: definitions are verified on a RabbitMQ broker.`);
  const detail = manifest.snapshot as RabbitSnapshotDetail | undefined;

  ctx.onProgress?.({ phase: 'checking the SHA-256' });
  const changed = await checkHashes(file, manifest.shape, manifest.sha256);
  let defs: Json;
  try {
    defs = parseDefinitions(await fs.promises.readFile(file, 'utf8'), path.basename(file));
  } catch (err) {
    const why = (err as Error).message;
    return result('failed', changed.length ? `The backup changed since it was written (SHA-256 differs) and no longer reads: ${why}` : why, [...(changed.length ? [`${path.basename(file)}: SHA-256 differs from the manifest`] : []), why]);
  }
  const now = countDefinitions(defs);
  const fromCounts = countDifferences(manifest.counts, now);
  if (changed.length) {
    const named = detail?.index ? compareIndex(detail.index, objectIndex(defs) ?? {}) : [];
    const differences = [`${path.basename(file)}: SHA-256 differs from the manifest`, ...named, ...fromCounts];
    const first = named[0] ?? fromCounts[0];
    return result('failed', `The backup changed since it was written: SHA-256 differs${first ? `; ${first}` : ''}.`, differences);
  }
  if (fromCounts.length) return result('failed', `The file's counts differ from the manifest: ${fromCounts[0] ?? ''}`, fromCounts);

  const read = structuralProblems(defs);
  const { byVhost, withoutVhost } = splitByVhost(defs);
  const { RabbitApi: Api } = await import('./connection');
  const api = new Api(server.profile, server.password);
  const differences: string[] = [...read];
  let objects = 0;
  try {
    const me = await api.call<{ name?: string; tags?: unknown }>({ method: 'GET', path: ['whoami'] }, ctx.signal ? { signal: ctx.signal } : {});
    const user = me.name ?? server.profile.user ?? '';
    const leftovers: string[] = [];
    for (const [vhost, content] of byVhost) {
      if (ctx.signal?.aborted) throw new Cancelled();
      let outcome: VhostOutcome;
      try {
        outcome = await restoreVhost(api, user, vhost, content, defs['rabbit_version'] ?? defs['rabbitmq_version'], ctx);
      } catch (err) {
        const status = apiStatus(err);
        if (!isCancelled(err) && (status === 401 || status === 403)) {
          return result('not-verifiable', `User ${JSON.stringify(user)} may not create a vhost and import into it on ${ctx.target ? `"${server.profile.name}"` : 'this broker'} (the administrator tag is needed), and Verify restores into throwaway vhosts: ${(err as Error).message}. Read back: ${readSummary(now)}.`);
        }
        throw err;
      }
      objects += outcome.objects;
      differences.push(...outcome.differences);
      if (outcome.left) leftovers.push(outcome.left);
      if (outcome.refused !== undefined) {
        return result('failed', `The broker refused the import of vhost ${JSON.stringify(vhost)} into a throwaway vhost (deleted again): ${outcome.refused}`, differences, true);
      }
    }
    const emptyVhosts = (Array.isArray(defs['vhosts']) ? (defs['vhosts'] as Json[]) : []).filter((v) => !byVhost.has(String(v['name']))).length;
    const restoredText = `Restored into ${into} (deleted again): ${plural(objects, 'object')} in ${plural(byVhost.size, 'vhost')} — ${fmt(now['queues'] ?? 0)} queues, ${fmt(now['exchanges'] ?? 0)} exchanges, ${fmt(now['bindings'] ?? 0)} bindings, ${fmt(now['policies'] ?? 0)} policies`;
    const readText = `read only, not restored (importing them would change the real broker): ${readSummary(now)}${emptyVhosts ? `; ${plural(emptyVhosts, 'vhost')} with nothing to restore` : ''}${withoutVhost ? `; ${plural(withoutVhost, 'object')} naming no vhost` : ''}`;
    const left = leftovers.length ? ` Could not delete: ${leftovers.join('; ')}.` : '';
    if (differences.length) {
      return result('failed', `${plural(differences.length, 'difference')}: ${differences.slice(0, 3).join('; ')}${differences.length > 3 ? '; …' : ''}.${left}`, differences, true);
    }
    return result('passed', `${restoredText}, equal to the backup; ${readText}.${left}`, [], true);
  } catch (err) {
    if (ctx.signal?.aborted || isCancelled(err)) throw new Cancelled('Verify cancelled: the throwaway vhost was deleted.');
    throw err;
  }
}

/** The parts checked by reading: users, permissions, parameters, with their counts. */
function readSummary(now: Record<string, number>): string {
  return `${plural(now['users'] ?? 0, 'user')}, ${fmt(now['permissions'] ?? 0)} permissions, ${plural(now['parameters'] ?? 0, 'parameter')}, ${plural(now['vhosts'] ?? 0, 'vhost')} counted as at backup time and consistent with each other`;
}
