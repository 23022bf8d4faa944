import { strict as assert } from 'node:assert';
import { formatBytes, formatCount } from '../../src/core/format';
import { formatPgVersion } from '../../src/core/postgres/probe';

describe('formatting', () => {
  it('formats sizes', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(8192), '8.0 kB');
    assert.equal(formatBytes(123 * 1024 * 1024), '123 MB');
    assert.equal(formatBytes(null), '—');
  });

  it('formats counts', () => {
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(12_345), '12k');
    assert.equal(formatCount(2_500_000), '2.5M');
  });

  it('formats PostgreSQL version numbers', () => {
    assert.equal(formatPgVersion(150019), '15.19');
    assert.equal(formatPgVersion(90624), '9.6.24');
  });
});
