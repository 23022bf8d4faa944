import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interruptionOperation } from '../../src/core/backup/interruption';
import { verifyRefusal, verifyTargetMode } from '../../src/core/backup/verifyRules';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { besideMounts, containerSpec, throwawayName } from '../../src/core/docker/containerControl';
import { oneFileTarHeader, tarPadding, TAR_END } from '../../src/core/docker/tarWrite';
import { NEO4J_DUMP_DESCRIPTION, neo4jBackup } from '../../src/core/neo4j/backup';
import { dumpCommandText } from '../../src/core/neo4j/backupDump';
import { adminFailure, serverLogLines, dumpArgs, dumpFileName, dumpKind, dumpProgress, loadArgs, throwawayServerEnv } from '../../src/core/neo4j/dumpTool';

const profile: ConnectionProfile = {
  id: 'n1', engine: 'neo4j', name: 'Graph "prod" <b>', host: '127.0.0.1', port: 7687, user: 'neo4j', tls: 'disable', readOnly: false, production: true, connectTimeoutMs: 5_000,
  container: { docker: 'd1', id: 'abc', name: 'neo4j-1' },
};
const dumpFormat = neo4jBackup.formats.find((f) => f.id === 'neo4j-dump')!;

describe('Neo4j dump: neo4j-admin arguments and output', () => {
  it('builds the Neo4j 5 dump and load arguments (stdout out, a folder in, replacing the throwaway\'s empty database)', () => {
    assert.deepEqual(dumpArgs('neo4j'), ['database', 'dump', 'neo4j', '--to-stdout']);
    assert.deepEqual(loadArgs('movies-2', '/tmp'), ['database', 'load', 'movies-2', '--from-path=/tmp', '--overwrite-destination=true']);
    assert.equal(dumpFileName('movies-2'), 'movies-2.dump');
  });

  it('knows a dump by its first bytes: Neo4j 5 zstd and gzip, Neo4j 4 gzip; anything else is not one', () => {
    assert.equal(dumpKind(Buffer.from('DZV1\x28\xb5', 'latin1')), 'Neo4j 5 dump (zstd)');
    assert.equal(dumpKind(Buffer.from('DGV1\x1f\x8b', 'latin1')), 'Neo4j 5 dump (gzip)');
    assert.equal(dumpKind(Buffer.from([0x1f, 0x8b, 8, 0])), 'Neo4j 4 dump (gzip)');
    assert.equal(dumpKind(Buffer.from('2026-11-30 INFO Starting')), undefined);
    assert.equal(dumpKind(Buffer.alloc(0)), undefined);
  });

  it('reads progress lines of dump and load, and nothing else as one', () => {
    assert.equal(dumpProgress('Files: 3/36, data: 12.5%'), '12.5% of the store (file 3 of 36)');
    assert.equal(dumpProgress('Files: 34/?, data: ??.?%'), 'file 34');
    assert.equal(dumpProgress('Done: 36 files, 1.142MiB processed in 0.138 seconds.'), undefined);
    assert.equal(dumpProgress('Error: Files: 3/36 were not'), undefined);
  });

  it('words a failure from the tool\'s stderr: the errors, without progress, INFO lines, "Done" and the --verbose advice, each line once', () => {
    const stderr = [
      '2026-11-30 21:17:02.660+0000 INFO  [o.n.c.d.DumpCommand] Starting dump of database \'neo4j\'',
      'Files: 1/36, data:  0.9%',
      'Done: 36 files, 1.1MiB processed in 0.1 seconds.',
      'Failed to load database \'neo4j\': Unable to load database: ZipException: Corrupt GZIP trailer',
      'Load failed for databases: \'neo4j\'',
      '\tat org.neo4j.cli.AdminTool.main(AdminTool.java:82)',
      '\t... 22 more',
      'Caused by: java.net.UnknownHostException: 08cd705abc55: Temporary failure in name resolution',
      'Load failed for databases: \'neo4j\'',
      'Run with \'--verbose\' for a more detailed error message.',
      '',
    ].join('\n');
    assert.equal(adminFailure(stderr), 'Failed to load database \'neo4j\': Unable to load database: ZipException: Corrupt GZIP trailer · Load failed for databases: \'neo4j\'');
    assert.equal(adminFailure('Files: 1/2, data: 50%\n'), 'no message');
  });

  it('keeps a server\'s failure lines, not its stack frames', () => {
    const out = 'Starting...\njava.lang.IllegalArgumentException: server.memory.pagecache.size declared multiple times.\n\tat org.neo4j.X.y(X.java:1)\n\t... 12 more\n';
    assert.deepEqual(serverLogLines(out), ['Starting...', 'java.lang.IllegalArgumentException: server.memory.pagecache.size declared multiple times.']);
  });

  it('starts the throwaway on the loopback with Bolt only, the loaded database as default, a password, and the carried licence acceptance', () => {
    const env = throwawayServerEnv(40123, 'abc', 'movies', { NEO4J_ACCEPT_LICENSE_AGREEMENT: 'yes' });
    assert.equal(env['NEO4J_AUTH'], 'neo4j/abc');
    assert.equal(env['NEO4J_server_bolt_listen__address'], '127.0.0.1:40123');
    assert.equal(env['NEO4J_server_default__listen__address'], '127.0.0.1');
    assert.equal(env['NEO4J_server_http_enabled'], 'false');
    assert.equal(env['NEO4J_server_https_enabled'], 'false');
    assert.equal(env['NEO4J_initial_dbms_default__database'], 'movies');
    assert.equal(env['NEO4J_ACCEPT_LICENSE_AGREEMENT'], 'yes');
    // Community refuses settings it does not know (strict validation): only Community's settings are set.
    assert.ok(!Object.keys(env).some((k) => /backup|cluster/i.test(k)), Object.keys(env).join(', '));
  });

  it('shows the three docker steps as a command line, names quoted where a shell would need it', () => {
    assert.equal(
      dumpCommandText('neo4j 1', 'sha256:0123456789abcdef0123', 'neo4j', '/b/x y.dump'),
      "docker stop --time 120 'neo4j 1'; docker run --rm --network none --volumes-from 'neo4j 1' --entrypoint neo4j-admin 0123456789ab database dump neo4j --to-stdout > '/b/x y.dump'; docker start 'neo4j 1'",
    );
  });
});

describe('Neo4j dump: containers beside the server', () => {
  const facts = {
    id: 'c1',
    mounts: [
      { type: 'volume', source: '/var/lib/docker/volumes/data/_data', target: '/data' },
      { type: 'volume', source: '/var/lib/docker/volumes/logs/_data', target: '/logs' },
      { type: 'bind', source: '/srv/plugins', target: '/plugins' },
      { type: 'bind', source: '/srv/data-extra', target: '/data/extra' },
    ],
  };

  it('the dump gets the server\'s own volumes; Verify\'s load gets our volume at /data and only the server\'s bind mounts, read-only', () => {
    assert.deepEqual(besideMounts(facts, 'same'), { VolumesFrom: ['c1'] });
    assert.deepEqual(besideMounts(facts, { volume: 'upkeep-neo4j-verify-1', at: '/data' }), {
      Mounts: [
        { Type: 'bind', Source: '/srv/plugins', Target: '/plugins', ReadOnly: true },
        { Type: 'volume', Source: 'upkeep-neo4j-verify-1', Target: '/data' },
      ],
    });
  });

  it('one-shots and throwaway servers run as the server\'s container does: its --user, or the image\'s default when it has none', () => {
    const base = { ...facts, name: 'neo4j-1', image: 'sha256:abc', env: [] };
    const load = { purpose: 'neo4j-load', entrypoint: ['neo4j-admin'], cmd: ['database', 'load', 'neo4j'], mounts: 'same' as const };
    assert.equal(containerSpec({ ...base, user: '7474:7474' }, load, 'x').User, '7474:7474');
    assert.equal(containerSpec({ ...base, user: 'neo4j' }, { ...load, mounts: { volume: 'v', at: '/data' }, network: 'host' }, 'x').User, 'neo4j');
    assert.equal('User' in containerSpec({ ...base, user: '' }, load, 'x'), false);
  });

  it('names throwaways by purpose with a random part', () => {
    assert.match(throwawayName('neo4j verify/load'), /^upkeep-neo4j-verify-load-[0-9a-f]{8}$/);
    assert.notEqual(throwawayName('x'), throwawayName('x'));
  });

  it('writes a one-file tar that tar itself reads back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-tar-'));
    try {
      const content = Buffer.from('DGV1 not really a dump\n'.repeat(50));
      const tar = path.join(dir, 'x.tar');
      fs.writeFileSync(tar, Buffer.concat([oneFileTarHeader('movies-2.dump', content.length, 1_700_000_000), content, tarPadding(content.length), TAR_END]));
      assert.equal(fs.statSync(tar).size % 512, 0);
      assert.equal(execFileSync('tar', ['-tvf', tar], { encoding: 'utf8' }).includes('movies-2.dump'), true);
      execFileSync('tar', ['-xf', tar, '-C', dir]);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'movies-2.dump')), content);
      assert.throws(() => oneFileTarHeader('a/b', 1, 0), /Not a plain file name/);
      assert.throws(() => oneFileTarHeader('ü.dump', 1, 0), /Not a plain file name/);
      assert.equal(tarPadding(512).length, 0);
      assert.equal(tarPadding(513).length, 511);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Neo4j dump: the format as the commands see it', () => {
  it('is offered only with a container, says it stops the server, and verifies without a target server', () => {
    assert.equal(dumpFormat.needsContainer, true);
    assert.match(dumpFormat.interrupts ?? '', /stops the server's container/);
    assert.equal(verifyTargetMode(neo4jBackup, 'neo4j-dump'), 'never');
    assert.equal(verifyTargetMode(neo4jBackup, 'neo4j-cypher'), 'required');
    assert.equal(verifyTargetMode(neo4jBackup, undefined), 'required');
    assert.equal(verifyRefusal(neo4jBackup, profile, undefined, 'neo4j-dump'), undefined);
    assert.match(verifyRefusal(neo4jBackup, profile, undefined, 'neo4j-cypher') ?? '', /needs a server to restore on/);
    assert.equal(neo4jBackup.formats.find((f) => f.id === 'neo4j-cypher')?.interrupts, undefined, 'the export only reads');
  });

  it('asks before it runs as a blocking operation (on production: the name typed), and the export asks nothing', () => {
    const op = interruptionOperation(profile, dumpFormat, neo4jBackup.describe('neo4j-dump'));
    assert.ok(op);
    assert.equal(op.risk, 'blocking');
    assert.equal(op.confirmName, 'Graph "prod" <b>');
    assert.match(op.impact, /database is unavailable/);
    assert.equal(interruptionOperation(profile, neo4jBackup.formats[0]!, ''), undefined);
  });

  it('says plainly what a dump captures and what not, what Verify proves, and what its restore replaces', () => {
    assert.equal(neo4jBackup.describe('neo4j-dump'), NEO4J_DUMP_DESCRIPTION);
    for (const words of ['STOPPED', 'unavailable', 'every node, relationship and property', 'indexes with their names', 'constraints', 'system database (users, roles', 'other databases', 'throwaway volume', 'removes the throwaway container and volume', 'Restore, only into the database of the same server\'s container', 'SHA-256', 'REPLACES the database', 'other databases and the system database are not touched', 'partial or empty', 'refused on read-only connections']) {
      assert.ok(NEO4J_DUMP_DESCRIPTION.includes(words), words);
    }
  });
});
