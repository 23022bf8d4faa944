/**
 * RabbitMQ's backups in the shared catalog: the broker's definitions (GET
 * /api/definitions: users, vhosts, permissions, policies, queues, exchanges,
 * bindings, parameters) — its configuration, not its messages. The file is
 * written with mode 0600 (it holds every user's password hash); the counts of
 * each list and each vhost's object names are recorded. Verify
 * (backupVerify.ts) restores each vhost's queues, exchanges, bindings and
 * policies into a throwaway vhost and compares; the rest it checks by reading.
 */
import * as fs from 'node:fs';
import type { BackupContext, BackupSupport, BackupWritten } from '../backup/model';
import { Cancelled } from '../errors';
import { parseDefinitions, readDefinitionsText } from './definitions';
import { definitionsSnapshot, verifyDefinitions } from './backupVerify';

export const DEFINITIONS_FORMAT = 'rabbitmq-definitions';

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
  const detail = definitionsSnapshot(defs);
  return {
    serverVersion: version,
    tool: 'RabbitMQ management API',
    toolVersion: version,
    commandText: 'GET /api/definitions',
    snapshot: { counts: detail.counts, detail },
    notes: ['Definitions only: messages are not part of it.', 'The file holds every user\'s password hash: it is written readable by you alone.'],
  };
}

export const rabbitBackup: BackupSupport = {
  engine: 'rabbitmq',
  formats: [{ id: DEFINITIONS_FORMAT, label: 'Definitions (JSON)', extension: '.json', shape: 'file' }],
  defaultFormat: DEFINITIONS_FORMAT,
  // Verify creates throwaway vhosts on the broker: refused on a read-only connection unless another broker is named.
  verifyWritesToServer: true,
  verifyTarget: 'optional',
  describe: () => 'The broker\'s definitions (GET /api/definitions): users with their password hashes, vhosts, permissions, policies, queues, exchanges, bindings and parameters — not the messages. Verify restores each vhost\'s queues, exchanges, bindings and policies into a throwaway vhost (upkeep_verify_…, deleted afterwards) on the broker, or on another you name, and compares them with the backup; users, permissions and parameters cannot be imported without changing the real broker, so they are only read back, counted and checked against each other.',
  write: (file, _options, _database, ctx) => write(file, ctx),
  verify: verifyDefinitions,
};
