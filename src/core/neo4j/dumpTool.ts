/**
 * The pure parts of Neo4j's offline dump (backupDump.ts, backupDumpVerify.ts):
 * neo4j-admin's arguments (Neo4j 5 syntax: `database dump <db> --to-stdout`,
 * `database load <db> --from-path=<dir> --overwrite-destination`), what a
 * dump file starts with, the tool's progress and failure lines, and the
 * settings of the throwaway server Verify starts from the same image.
 */
import { commandLine } from '../backup/childProcess';

/** Where the official neo4j image keeps its store (a VOLUME); the dump reaches it through `--volumes-from`. */
export const IMAGE_DATA_DIR = '/data';
/** Where Verify puts the dump inside the one-shot load container (it exists in every image). */
export const LOAD_DIR = '/tmp';
/** Seconds `docker stop` waits for Neo4j to shut down cleanly (checkpoint) before it is killed. */
export const STOP_GRACE_SECONDS = 120;

/** The admin tool itself is the one-shot's entrypoint: the image's entrypoint script may print to stdout, which is the dump. */
export const ADMIN_ENTRYPOINT = ['neo4j-admin'] as const;

export function dumpArgs(database: string): string[] {
  return ['database', 'dump', database, '--to-stdout'];
}

export function loadArgs(database: string, fromDir: string): string[] {
  return ['database', 'load', database, `--from-path=${fromDir}`, '--overwrite-destination=true'];
}

/**
 * The docker steps of a method that stops the server's container, as a shell
 * would run them: stop, a one-shot of `image` with the server's volumes and
 * no network running neo4j-admin `args` (with `io`: a redirect or a note),
 * start. Names are quoted where a shell would need it.
 */
export function stoppedRunText(container: string, image: string, args: readonly string[], io: string): string[] {
  const name = commandLine(container, []);
  return [
    `docker stop --time ${STOP_GRACE_SECONDS} ${name}`,
    `docker run --rm --network none --volumes-from ${name} --entrypoint ${ADMIN_ENTRYPOINT.join(' ')} ${image} ${commandLine(args[0] ?? '', args.slice(1))}${io ? ` ${io}` : ''}`,
    `docker start ${name}`,
  ];
}

/** The file name `load --from-path` looks for. */
export const dumpFileName = (database: string): string => `${database}.dump`;

/**
 * What a dump file is, from its first bytes: Neo4j 5 writes a 4-byte magic
 * ("DZV1": zstd, "DGV1": gzip) before the compressed store; Neo4j 4 dumps
 * are gzip streams. Undefined: not a dump (the tool wrote something else).
 */
export function dumpKind(head: Buffer): string | undefined {
  const magic = head.subarray(0, 4).toString('latin1');
  if (magic === 'DZV1') return 'Neo4j 5 dump (zstd)';
  if (magic === 'DGV1') return 'Neo4j 5 dump (gzip)';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'Neo4j 4 dump (gzip)';
  return undefined;
}

/** "Files: 3/36, data: 12.5%" from the tool's progress lines; undefined for other lines. */
export function dumpProgress(line: string): string | undefined {
  // load prints "Files: 12/?, data: ??.?%" (it does not know the total).
  const m = /^Files:\s*(\d+)\/(\d+|\?),\s*data:\s*([\d.?]+)%/.exec(line);
  if (!m) return undefined;
  return m[2] === '?' ? `file ${m[1]}` : `${m[3]}% of the store (file ${m[1]} of ${m[2]})`;
}

/**
 * A Java stack frame or its "... 22 more", and the tool's failure to resolve
 * its own host name (a container without a network has none to ask): never
 * the reason.
 */
const isStackLine = (line: string): boolean => /^(at |\.\.\. \d+ more)|UnknownHostException|Could not determine local host name/.test(line);

/** The lines of a failed server's output that say why: not the stack frames. */
export function serverLogLines(text: string, lines = 3): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !isStackLine(l)).slice(-lines);
}

/**
 * The lines of the tool's stderr that say why it failed: errors and their
 * causes, without the progress lines and the advice to run with --verbose.
 */
export function adminFailure(stderr: string, lines = 3): string {
  const kept = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !dumpProgress(l) && !isStackLine(l) && !/^(Run with '--verbose'|Done: )/.test(l) && !/^\d{4}-\d\d-\d\d \S+ INFO /.test(l));
  const unique = kept.filter((l, i) => kept.indexOf(l) === i);
  return unique.slice(-lines).join(' · ') || 'no message';
}

/**
 * The environment of the throwaway server Verify starts from the source's
 * image: Bolt only, on the machine's loopback at `port` (the host's network,
 * so the source's own ports are left alone), no HTTP, a small memory budget,
 * the loaded database as the default (Community serves only that one), a
 * random password, and the licence acceptance the source container has.
 */
export function throwawayServerEnv(port: number, password: string, database: string, carried: Record<string, string>): Record<string, string> {
  return {
    ...carried,
    NEO4J_AUTH: `neo4j/${password}`,
    NEO4J_server_default__listen__address: '127.0.0.1',
    NEO4J_server_default__advertised__address: '127.0.0.1',
    NEO4J_server_bolt_listen__address: `127.0.0.1:${port}`,
    NEO4J_server_bolt_advertised__address: `127.0.0.1:${port}`,
    NEO4J_server_http_enabled: 'false',
    NEO4J_server_https_enabled: 'false',
    NEO4J_server_memory_pagecache_size: '64m',
    NEO4J_server_memory_heap_initial__size: '256m',
    NEO4J_server_memory_heap_max__size: '512m',
    NEO4J_initial_dbms_default__database: database,
  };
}

/** The source container's variables a throwaway of its image needs too. */
export const CARRIED_ENV = ['NEO4J_ACCEPT_LICENSE_AGREEMENT'] as const;
