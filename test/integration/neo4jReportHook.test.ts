import { strict as assert } from 'node:assert';
import { Neo4jSession, openNeo4jDriver } from '../../src/core/neo4j/connection';
import { engineModule } from '../../src/core/engines';
import type { ReportRequest } from '../../src/core/engine';
import { neo4jProfile, services } from './services';

describe('Neo4j reports through the engine hook (real server)', function () {
  this.timeout(60_000);
  let session: Neo4jSession;

  before(async () => {
    const profile = neo4jProfile();
    session = new Neo4jSession(await openNeo4jDriver(profile, services().neo4j.password), profile);
  });

  after(async () => {
    await session.dispose();
  });

  function request(signal: AbortSignal): ReportRequest {
    return { session, profile: session.profile, database: 'neo4j', signal, settings: { get: <T>(_k: string, fallback: T) => fallback }, storageDir: '/nonexistent' };
  }

  it('offers the schema report and builds it on the session\'s driver', async () => {
    const reports = engineModule('neo4j').reports;
    assert.deepEqual(reports?.kinds.map((k) => k.id), ['neo4j-schema']);
    const r = await reports?.build('neo4j-schema', request(new AbortController().signal));
    assert.equal(r?.kind, 'neo4j-schema');
    assert.equal(r?.database, 'neo4j');
    assert.ok(r?.sections.some((s) => s.id === 'indexes'));
  });

  it('refuses to start once aborted, and stops when aborted mid-way; the session stays usable', async () => {
    const reports = engineModule('neo4j').reports;
    const before = new AbortController();
    before.abort();
    await assert.rejects(reports?.build('neo4j-schema', request(before.signal)) ?? Promise.resolve(), { name: 'Cancelled' });
    const mid = new AbortController();
    const run = reports?.build('neo4j-schema', request(mid.signal));
    mid.abort();
    await assert.rejects(run ?? Promise.resolve(), { name: 'Cancelled' });
    await assert.rejects(reports?.build('other', request(new AbortController().signal)) ?? Promise.resolve(), /no "other" report/);
    const again = await reports?.build('neo4j-schema', request(new AbortController().signal));
    assert.equal(again?.kind, 'neo4j-schema');
  });
});
