import { strict as assert } from 'node:assert';
import { restoreOperation } from '../../src/commands/backup/restoreOperation';
import { formatOfBackup, type BackupManifest, type RestorePreview } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import { dumpRestoreImpact, dumpRestoreText, loadCommandLines } from '../../src/core/neo4j/backupDumpRestore';
import { dumpCommandText } from '../../src/core/neo4j/backupDump';

const profile: ConnectionProfile = {
  id: 'n1', engine: 'neo4j', name: 'Graph "prod" <b>', host: '127.0.0.1', port: 7687, user: 'neo4j', tls: 'disable', readOnly: false, production: true, connectTimeoutMs: 5_000,
  container: { docker: 'd1', id: 'abc', name: "neo4j 'one'" },
};
const manifest = { format: 'neo4j-dump', file: 'x.dump' } as BackupManifest;
const preview = (over: Partial<RestorePreview> = {}): RestorePreview => ({ file: '/b/x y.dump', manifest, profile, ...over });
const dumpFormat = neo4jBackup.formats.find((f) => f.id === 'neo4j-dump')!;
const held = { empty: false, holds: '12 nodes, 2 relationships, 1 index ("ix")', clearText: 'MATCH (n) …' };

describe('Neo4j dump restore: the text the confirmation shows', () => {
  it('the load\'s docker steps: stop, a one-shot of the image with the server\'s volumes and no network running load --overwrite-destination=true, start; names quoted for a shell', () => {
    assert.deepEqual(loadCommandLines("neo4j 'one'", '0123456789ab', 'my db'), [
      "docker stop --time 120 'neo4j '\\''one'\\'''",
      "docker run --rm --network none --volumes-from 'neo4j '\\''one'\\''' --entrypoint neo4j-admin 0123456789ab database load 'my db' --from-path=/tmp --overwrite-destination=true # with the dump put in as /tmp/my db.dump",
      "docker start 'neo4j '\\''one'\\'''",
    ]);
    // The dump's own command line is built by the same steps.
    assert.equal(dumpCommandText('n', 'sha256:0123456789abcdef', 'neo4j', '/f'), 'docker stop --time 120 n; docker run --rm --network none --volumes-from n --entrypoint neo4j-admin 0123456789ab database dump neo4j --to-stdout > /f; docker start n');
  });

  it('says what is stopped, what is replaced and lost, what is checked first and what is not touched', () => {
    const text = dumpRestoreText('/b/x y.dump', { database: 'neo4j', create: false, clean: true }, held, preview());
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^# Restore x y\.dump \(neo4j-admin database dump\) into database "neo4j" of "Graph "prod" <b>", through its container "neo4j 'one'"$/);
    assert.match(text, /must start as a Neo4j dump and its SHA-256 equal the manifest's/);
    assert.match(text, /The container "neo4j 'one'" is STOPPED/);
    assert.ok(lines.includes("docker stop --time 120 'neo4j '\\''one'\\'''"), text);
    assert.ok(lines.some((l) => l.startsWith("docker run --rm --network none --volumes-from 'neo4j '\\''one'\\''' --entrypoint neo4j-admin \"$(docker inspect --format '{{.Image}}' 'neo4j '\\''one'\\''')\" database load neo4j --from-path=/tmp --overwrite-destination=true")), text);
    assert.ok(lines.includes("docker start 'neo4j '\\''one'\\'''"), text);
    assert.match(text, /Database "neo4j" is REPLACED by the dump's contents: everything in it that is not in the dump is lost \(it holds 12 nodes, 2 relationships, 1 index \("ix"\) now\); this cannot be undone\./);
    assert.match(text, /Other databases and the system database \(users, roles, privileges\) are not touched\./);
    assert.match(text, /started again also after a failure or a cancel/);
    assert.ok(!text.includes('MATCH'), 'the load replaces the store: no Cypher clearing is shown');
    // Without a manifest the SHA-256 cannot be checked, and the text says so.
    assert.match(dumpRestoreText('/b/x.dump', { database: 'neo4j', create: false }, undefined, preview({ manifest: undefined })), /there is no manifest: its SHA-256 cannot be checked/);
  });

  it('refuses before anything is read: no container, a read-only connection, a new database', () => {
    const plain = { ...profile };
    delete plain.container;
    assert.throws(() => dumpRestoreText('/b/x.dump', { database: 'neo4j', create: false }, undefined, preview({ profile: plain })), /was not added from a container Upkeep knows: a dump is restored with neo4j-admin database load in the server's own container.*Nothing was changed\./);
    assert.throws(() => dumpRestoreText('/b/x.dump', { database: 'neo4j', create: false }, undefined, preview({ profile: { ...profile, readOnly: true } })), /is a read-only connection: the restore was refused and nothing was stopped or changed\./);
    assert.throws(() => dumpRestoreText('/b/x.dump', { database: 'new', create: true }, undefined, preview()), /loaded into an existing database .*not a new database/);
  });

  it('the manifest\'s format decides, not the file\'s extension; the extension only without a manifest', async () => {
    // A Cypher export renamed to .dump is previewed as Cypher; a dump renamed to .cypher as a dump.
    assert.equal(formatOfBackup(neo4jBackup.formats, '/b/x.dump', { format: 'neo4j-cypher' })?.id, 'neo4j-cypher');
    assert.equal(formatOfBackup(neo4jBackup.formats, '/b/x.cypher', { format: 'neo4j-dump' })?.id, 'neo4j-dump');
    assert.equal(formatOfBackup(neo4jBackup.formats, '/b/x.dump', undefined)?.id, 'neo4j-dump');
    assert.equal(formatOfBackup(neo4jBackup.formats, '/b/x.cypher', undefined)?.id, 'neo4j-cypher');
    const text = await neo4jBackup.restoreText!('/b/renamed.cypher', { database: 'neo4j', create: false }, undefined, preview({ file: '/b/renamed.cypher' }));
    assert.match(text, /^# Restore renamed\.cypher \(neo4j-admin database dump\)/);
    assert.match(neo4jBackup.restoreImpact!({ database: 'neo4j', create: false }, held, preview({ file: '/b/renamed.cypher' })), /^STOPS container/);
  });

  it('the impact and the risk: blocking into an empty database (the server stops), destructive when it holds anything; production types the name; restored only on the backed-up connection', () => {
    assert.equal(dumpFormat.restoreOn, 'source');
    assert.equal(dumpFormat.restoreLanguage, 'shell');
    assert.equal(neo4jBackup.restoreOn, 'any', 'the export still restores on any Neo4j connection');
    const impact = dumpRestoreImpact({ database: 'neo4j', create: false, clean: true }, held, preview());
    assert.equal(impact, 'STOPS container "neo4j \'one\'" (the server is unavailable until the load is done and it has started again) and REPLACES database "neo4j" with the dump\'s contents: what it holds now (12 nodes, 2 relationships, 1 index ("ix")) is lost; cannot be undone. Other databases are not touched');
    const t = { profile, support: neo4jBackup, database: 'neo4j' } as unknown as Parameters<typeof restoreOperation>[0];
    const full = restoreOperation(t, '/b/x.dump', { database: 'neo4j', create: false, clean: true }, 'text', held, preview(), dumpFormat);
    assert.equal(full.risk, 'destructive');
    assert.equal(full.language, 'shell');
    assert.equal(full.confirmName, 'neo4j');
    assert.match(full.cancelNote ?? '', /started again either way/);
    const empty = restoreOperation(t, '/b/x.dump', { database: 'neo4j', create: false, clean: false }, 'text', { empty: true }, preview(), dumpFormat);
    assert.equal(empty.risk, 'blocking');
    assert.match(empty.impact, /^STOPS container .* anything in it that is not in the dump is lost/);
    // The export's operation is unchanged.
    const exportOp = restoreOperation(t, '/b/x.cypher', { database: 'neo4j', create: false, clean: false }, 'text', { empty: true }, { ...preview(), file: '/b/x.cypher', manifest: { ...manifest, format: 'neo4j-cypher' } }, neo4jBackup.formats[0]);
    assert.equal(exportOp.risk, 'heavy');
    assert.equal(exportOp.language, 'cypher');
    assert.equal(exportOp.cancelNote, undefined);
  });
});
