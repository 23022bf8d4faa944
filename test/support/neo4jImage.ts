/**
 * A Docker image that stands in for the official `neo4j` image in tests
 * (there is no registry here): the real Neo4j 5.26 server
 * (`org.neo4j.server.CommunityEntryPoint`) and the real `neo4j-admin`
 * (`org.neo4j.cli.AdminTool`) from the harness' Maven classpath, laid out as
 * the official image lays them out: NEO4J_HOME=/var/lib/neo4j, the store
 * under /data (a VOLUME, as are /logs), `neo4j-admin` on PATH, an entrypoint
 * that sets the initial password from NEO4J_AUTH on first start and turns
 * NEO4J_<setting> variables into neo4j.conf lines (`_` → `.`, `__` → `_`).
 *
 * The image itself is busybox, the C and C++ runtime libraries Java needs,
 * the scripts and the configuration (a few MB: the engine here stores images
 * with the vfs driver, which copies the whole image for every container).
 * The JDK, its /etc configuration and the Maven repository holding the jars
 * are bind-mounted read-only from this machine by `neo4jBinds`, at the same
 * paths, so the classpath the harness build wrote applies unchanged.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { prepareNeo4j } from '../services/neo4j';
import { importHostImage, librariesOf, type ImageFile } from './hostImage';

const JDK = '/usr/lib/jvm/java-17-openjdk-amd64';
const JDK_ETC = '/etc/java-17-openjdk';

const NEO4J_CONF = [
  'server.directories.data=/data',
  'server.directories.logs=/logs',
  'server.directories.plugins=/plugins',
  'server.http.enabled=false',
  'server.https.enabled=false',
  'server.memory.pagecache.size=32m',
  'dbms.usage_report.enabled=false',
  'dbms.security.auth_minimum_password_length=1',
  // Bolt otherwise waits 5 s twice on shutdown for connections and threads to wind down.
  'internal.server.bolt.connection_shutdown_wait_time=200ms',
  'internal.server.bolt.thread_pool_shutdown_wait_time=200ms',
  '',
].join('\n');

const IMAGE_CHANGES = [
  'ENV PATH=/var/lib/neo4j/bin:/usr/local/bin:/usr/bin:/bin',
  'ENV NEO4J_HOME=/var/lib/neo4j',
  // Java reads argv in the locale's charset: without it a password's ü arrives as ?.
  'ENV LANG=C.UTF-8',
  'WORKDIR /var/lib/neo4j',
  'VOLUME /data /logs',
  'ENTRYPOINT ["/startup/docker-entrypoint.sh"]',
  'CMD ["neo4j"]',
];

function entrypoint(java: string, classpath: string): string {
  return [
    '#!/bin/sh',
    '# Stand-in for the official image\'s docker-entrypoint.sh (see neo4jImage.ts).',
    'set -e',
    'conf=/var/lib/neo4j/conf/neo4j.conf',
    'if [ "$1" != neo4j ]; then exec "$@"; fi',
    'cp /var/lib/neo4j/conf/neo4j.conf.image "$conf"',
    'env | grep "^NEO4J_" | while IFS="=" read -r name value; do',
    '  case "$name" in NEO4J_AUTH|NEO4J_HOME|NEO4J_CONF|NEO4J_ACCEPT_LICENSE_AGREEMENT) continue ;; esac',
    '  key=$(echo "${name#NEO4J_}" | sed -e "s/__/%/g" -e "s/_/./g" -e "s/%/_/g")',
    '  # As the official entrypoint does: a setting given twice replaces the image\'s line (Neo4j refuses duplicates).',
    '  grep -v "^$key=" "$conf" > "$conf.next" || true',
    '  echo "$key=$value" >> "$conf.next"',
    '  mv "$conf.next" "$conf"',
    'done',
    'if [ "$NEO4J_AUTH" = none ]; then echo "dbms.security.auth_enabled=false" >> "$conf";',
    'elif [ -n "$NEO4J_AUTH" ] && [ ! -e /data/databases/system ]; then neo4j-admin dbms set-initial-password "${NEO4J_AUTH#neo4j/}" >/dev/null; fi',
    `exec ${java} -Xms128m -Xmx512m -XX:+UseSerialGC -cp ${classpath} org.neo4j.server.CommunityEntryPoint --home-dir=/var/lib/neo4j --config-dir=/var/lib/neo4j/conf`,
    '',
  ].join('\n');
}

function adminScript(java: string, classpath: string): string {
  return `#!/bin/sh\nexec ${java} -Xmx256m -XX:+UseSerialGC -cp ${classpath} org.neo4j.cli.AdminTool "$@"\n`;
}

/** The read-only bind mounts every container of the image needs (`HostConfig.Binds`). */
export function neo4jBinds(): string[] {
  const repo = path.join(process.env['HOME'] ?? '/root', '.m2', 'repository');
  return [`${JDK}:${JDK}:ro`, `${JDK_ETC}:${JDK_ETC}:ro`, `${repo}:${repo}:ro`];
}

function listFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

/**
 * Builds the image once per content (its tag is a hash of the scripts and
 * the classpath) and returns its tag; an image of that tag is reused.
 */
export async function neo4jTestImage(docker: Dockerode): Promise<string> {
  if (!fs.existsSync(`${JDK}/bin/java`)) throw new Error(`Java 17 is needed at ${JDK}: apt-get install -y openjdk-17-jdk-headless`);
  // Only the jars: the launcher's own classes are not part of Neo4j.
  const classpath = (await prepareNeo4j()).classpath.split(':').filter((p) => p.endsWith('.jar')).join(':');
  const java = `${JDK}/bin/java`;
  const contents: Record<string, string> = {
    'var/lib/neo4j/conf/neo4j.conf.image': NEO4J_CONF,
    'var/lib/neo4j/conf/neo4j.conf': NEO4J_CONF,
    'var/lib/neo4j/bin/neo4j-admin': adminScript(java, classpath),
    'startup/docker-entrypoint.sh': entrypoint(java, classpath),
    // Java resolves the container's host name at start: from /etc/hosts first.
    'etc/nsswitch.conf': 'hosts: files dns\n',
  };
  const hash = createHash('sha256').update(JSON.stringify({ contents, IMAGE_CHANGES, locale: true })).digest('hex').slice(0, 12);
  const tag = `upkeep-test/neo4j:5.26-${hash}`;
  if (await docker.getImage(tag).inspect().then(() => true, () => false)) return tag;
  const libs = new Set([...librariesOf(java), ...librariesOf(`${JDK}/lib/server/libjvm.so`)].filter((l) => !l.startsWith(JDK)));
  const files: ImageFile[] = [...libs].map((l) => ({ from: l, to: l.replace(/^\//, '') }));
  // The dynamic loader, which ldd lists without "=>".
  files.push({ from: '/lib64/ld-linux-x86-64.so.2', to: 'lib64/ld-linux-x86-64.so.2' });
  // The C.UTF-8 locale LANG names (Debian keeps it as files).
  const locale = '/usr/lib/locale/C.utf8';
  for (const rel of listFiles(locale)) files.push({ from: path.join(locale, rel), to: path.join(locale, rel).replace(/^\//, '') });
  for (const d of ['data', 'logs', 'plugins']) contents[`${d}/.keep`] = '';
  return importHostImage(docker, tag, files, contents, IMAGE_CHANGES);
}
