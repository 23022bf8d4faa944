import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, isRoot, MissingToolError, run, waitFor } from './util';
import type { RunningService, ServicesInfo } from './types';

/** The newest PostgreSQL server binaries on this machine (Debian keeps them per major version). */
export function findPgBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new MissingToolError('PostgreSQL server (initdb)', 'apt-get install -y postgresql postgresql-contrib');
  const bin = path.join(base, versions[0], 'bin');
  const share = path.join('/usr/share/postgresql', versions[0], 'extension');
  if (!fs.existsSync(path.join(share, 'pgstattuple.control'))) {
    throw new MissingToolError('pgstattuple (PostgreSQL contrib)', 'apt-get install -y postgresql-contrib');
  }
  return bin;
}

/**
 * A throwaway cluster: own data directory, free port on 127.0.0.1, scram
 * password auth (so the password path is real), pg_stat_statements preloaded,
 * fsync off (tests need speed, not durability).
 */
export async function startPostgres(root: string): Promise<{ info: ServicesInfo['postgres']; service: RunningService }> {
  const bin = findPgBin();
  const dir = path.join(root, 'postgres');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const user = 'upkeep';
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  // The server refuses to run as root: hand the folder to the postgres user and run as it.
  const asPostgres = isRoot();
  if (asPostgres) await run('chown', ['-R', 'postgres:postgres', dir]);
  const pg = async (cmd: string, args: string[]): Promise<string> =>
    asPostgres ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args);

  await pg('initdb', ['-D', dataDir, '-U', user, '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions']);
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track = all',
      "password_encryption = 'scram-sha-256'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 200',
      'track_io_timing = on',
      "log_min_messages = 'warning'",
      '',
    ].join('\n'),
  );
  // One database that only accepts TLS connections, so "TLS required" is produced for real.
  const hba = fs.readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8');
  fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), `hostnossl upkeep_tls_only all 127.0.0.1/32 reject\n${hba}`);
  await pg('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);

  const psql = (db: string, sql: string): Promise<string> => pg('psql', ['-h', dir, '-p', String(port), '-U', user, '-d', db, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  await psql('postgres', 'CREATE DATABASE upkeep_test');
  await psql('postgres', 'CREATE DATABASE upkeep_tls_only');
  await psql('upkeep_test', 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS pgstattuple;');
  const versionNum = Number((await psql('postgres', 'SHOW server_version_num')).trim());
  await waitFor('PostgreSQL health check', async () => (await psql('upkeep_test', 'SELECT 1')).trim() === '1', 10_000);

  const info = { host: '127.0.0.1', port, user, password, database: 'upkeep_test', tlsOnlyDatabase: 'upkeep_tls_only', dataDir, versionNum };
  return {
    info,
    service: {
      name: 'postgres',
      stop: async () => {
        await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
