/**
 * RabbitMQ's backups in the shared catalog: the broker's definitions (GET
 * /api/definitions: users, vhosts, permissions, policies, queues, exchanges,
 * bindings, parameters) — its configuration, not its messages. The file is
 * written with mode 0600 (it holds every user's password hash) and the
 * counts of each list are recorded. Verify reads the file back and compares
 * the counts; it does not restore, because that needs a broker of its own,
 * so its status says "not verifiable" unless something differs.
 */
import * as fs from 'node:fs';
import type { BackupContext, BackupManifest, BackupSupport, BackupWritten, VerifyResult } from '../backup/model';
import { Cancelled } from '../errors';
import { parseDefinitions, readDefinitionsText } from './definitions';

export const DEFINITIONS_FORMAT = 'rabbitmq-definitions';

/** The lists counted in the snapshot, in the order the summary names them. */
const COUNTED = ['users', 'vhosts', 'permissions', 'policies', 'queues', 'exchanges', 'bindings', 'parameters'] as const;

export function countDefinitions(defs: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of COUNTED) counts[key] = Array.isArray(defs[key]) ? defs[key].length : 0;
  return counts;
}

function countsText(counts: Record<string, number>): string {
  return COUNTED.map((k) => `${(counts[k] ?? 0).toLocaleString('en-US')} ${k}`).join(', ');
}

async function write(file: string, ctx: BackupContext): Promise<BackupWritten> {
  if (ctx.signal?.aborted) throw new Cancelled();
  const { RabbitApi } = await import('./connection');
  const api = new RabbitApi(ctx.profile, ctx.password);
  ctx.onProgress?.({ phase: 'reading the definitions' });
  const text = await readDefinitionsText(api, undefined, ctx.signal);
  const defs = parseDefinitions(text, 'GET /api/definitions');
  const body = `${JSON.stringify(defs, null, 2)}\n`;
  await fs.promises.writeFile(file, body, { mode: 0o600, flag: 'wx' });
  ctx.onProgress?.({ phase: 'written', bytes: Buffer.byteLength(body) });
  const version = typeof defs['rabbitmq_version'] === 'string' ? defs['rabbitmq_version'] : typeof defs['rabbit_version'] === 'string' ? defs['rabbit_version'] : 'unknown';
  const counts = countDefinitions(defs);
  return {
    serverVersion: version,
    tool: 'RabbitMQ management API',
    toolVersion: version,
    commandText: 'GET /api/definitions',
    snapshot: { counts, detail: { counts } },
    notes: ['Definitions only: messages are not part of it.', 'The file holds every user\'s password hash: it is written readable by you alone.'],
  };
}

async function verify(file: string, manifest: BackupManifest): Promise<VerifyResult> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  let defs: Record<string, unknown>;
  try {
    defs = parseDefinitions(await fs.promises.readFile(file, 'utf8'), file);
  } catch (err) {
    return { status: 'failed', at, durationMs: Date.now() - started, summary: err instanceof Error ? err.message : String(err), differences: [] };
  }
  const now = countDefinitions(defs);
  const then = manifest.counts;
  const differences = COUNTED.filter((k) => (then[k] ?? 0) !== (now[k] ?? 0)).map((k) => `${k}: ${(then[k] ?? 0).toLocaleString('en-US')} at backup, ${(now[k] ?? 0).toLocaleString('en-US')} in the file`);
  if (differences.length) return { status: 'failed', at, durationMs: Date.now() - started, summary: differences[0] ?? 'counts differ', differences };
  return {
    status: 'not-verifiable',
    at,
    durationMs: Date.now() - started,
    summary: `read back: ${countsText(now)}, as at backup time; not restored (that needs a broker of its own)`,
    differences: [],
  };
}

export const rabbitBackup: BackupSupport = {
  engine: 'rabbitmq',
  formats: [{ id: DEFINITIONS_FORMAT, label: 'Definitions (JSON)', extension: '.json', shape: 'file' }],
  defaultFormat: DEFINITIONS_FORMAT,
  verifyWritesToServer: false,
  verifyTarget: 'never',
  describe: () => 'The broker\'s definitions (GET /api/definitions): users with their password hashes, vhosts, permissions, policies, queues, exchanges, bindings and parameters — not the messages. Verify reads the file back and compares its counts with those at backup time; it does not restore.',
  write: (file, _options, _database, ctx) => write(file, ctx),
  verify: (file, manifest) => verify(file, manifest),
};
