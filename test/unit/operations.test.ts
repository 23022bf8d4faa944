import { strict as assert } from 'node:assert';
import { COMMENT_PREFIX, describeChange, highestRisk, type Operation } from '../../src/core/operations/operation';
import { fixScript, statementText } from '../../src/core/reports/fixScript';
import type { Finding } from '../../src/core/reports/model';
import { buildCancelBackend, buildVacuum } from '../../src/core/postgres/maintenance';
import { featuresFor } from '../../src/core/postgres/features';
import { formatBytes } from '../../src/core/format';

/** A Redis operation as the Redis engine will build it: the command as sent, its impact in words. */
const flushDb: Operation = {
  engine: 'redis',
  kind: 'flushdb',
  title: 'FLUSHDB on database 3',
  target: { kind: 'database' },
  text: 'FLUSHDB ASYNC',
  language: 'redis',
  impact: 'deletes every key of database 3\nDROP TABLE x; -- a line break from server text',
  risk: 'destructive',
  confirmName: '3',
};

describe('operations: one shape for every engine', () => {
  it('the worst risk of a batch, heavy between safe and blocking', () => {
    const r = (risk: Operation['risk']): Pick<Operation, 'risk'> => ({ risk });
    assert.equal(highestRisk([]), 'safe');
    assert.equal(highestRisk([r('safe'), r('heavy')]), 'heavy');
    assert.equal(highestRisk([r('heavy'), r('blocking'), r('safe')]), 'blocking');
    assert.equal(highestRisk([r('destructive'), r('heavy')]), 'destructive');
  });

  it('PostgreSQL\'s MaintenanceOp is an Operation: its exact text (values inlined), impact and lock level', () => {
    const op = buildVacuum({ kind: 'table', database: 'app', schema: 'public', name: 'Order "Lines"' }, { analyze: true }, featuresFor(150000));
    assert.equal(op.engine, 'postgres');
    assert.equal(op.language, 'sql');
    assert.equal(op.text, 'VACUUM (ANALYZE) "public"."Order ""Lines"""');
    assert.equal(op.text, op.sql);
    assert.equal(op.lockLevel, 'SHARE UPDATE EXCLUSIVE');
    assert.match(op.impact, /^SHARE UPDATE EXCLUSIVE lock: reads and writes continue/);
    const cancel = buildCancelBackend('app', 4242);
    assert.equal(cancel.text, 'SELECT pg_cancel_backend(4242) AS signalled', 'the text shown is what runs, with its bound value');
  });

  it('a fix script comments in the language of its operations: # for Redis, no semicolons added, no line escapes a comment', () => {
    const finding: Finding = { id: 'f', severity: 'critical', sectionId: 's', object: 'db 3\nFLUSHALL', message: 'too many keys', evidence: {}, fixes: [flushDb, { ...flushDb, text: 'UNLINK a b', title: 'Unlink the two keys' }] };
    const script = fixScript([finding], 'Cache (prod)', '3', new Date('2026-11-30T00:00:00Z'));
    const lines = script.split('\n');
    assert.equal(lines[0], `${COMMENT_PREFIX.redis} Upkeep fix script`);
    assert.ok(lines.includes('FLUSHDB ASYNC'), 'the command as it is sent');
    assert.ok(lines.includes('# UNLINK a b'), 'the alternative is commented out');
    assert.ok(lines.includes('# critical: db 3 FLUSHALL: too many keys'), 'a line break in server text stays inside the comment');
    const live = lines.filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(live, ['FLUSHDB ASYNC'], 'nothing else is live');
    assert.equal(statementText(flushDb), 'FLUSHDB ASYNC');
    assert.equal(statementText({ ...flushDb, language: 'cypher', text: 'DROP INDEX my_index' }), 'DROP INDEX my_index;');
  });

  it('describes a before/after change in words', () => {
    assert.equal(describeChange({ before: { sizeBytes: 8 * 2 ** 20, deadTuples: 10_000 }, after: { sizeBytes: 4 * 2 ** 20, deadTuples: 0 } }, formatBytes), 'size 8.0 MB → 4.0 MB, dead tuples 10,000 → 0');
    assert.equal(describeChange({}, formatBytes), '');
  });
});
