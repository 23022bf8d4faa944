/**
 * What the memory analysis tells people to do, from its numbers (pure): big
 * keys (UNLINK), keys without a TTL where their namespace's keys have one
 * (EXPIRE with the namespace's typical TTL), many small strings that would be
 * cheaper as hashes (advice), and an eviction policy without maxmemory (a
 * judgement call: the command to adapt, never run).
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../../reports/model';
import { formatBytes } from '../../format';
import { displayBytes, redisOp, type RedisOp } from '../operation';
import { median, NO_NAMESPACE, type KeyStat, type MemoryAnalysis, type NamespaceTotals } from './memoryModel';
import type { MemorySettings } from './settings';

export type RedisFinding = Finding<RedisOp>;

/** Longest key text shown in a table, a finding or a title (the rest is elided; fixes keep the whole key). */
export const KEY_TEXT_MAX = 100;

/** A key as people read it: UTF-8 where it is, redis-cli quoting otherwise, elided past KEY_TEXT_MAX characters. */
export function keyText(key: Buffer): string {
  const text = displayBytes(key);
  return text.length > KEY_TEXT_MAX ? `${text.slice(0, KEY_TEXT_MAX - 1)}… (${key.length.toLocaleString('en-US')} bytes)` : text;
}

/** A row key for a Redis key: its bytes in hex when short, a digest when long. */
export function keyRowKey(key: Buffer): string {
  return key.length <= 48 ? key.toString('hex') : `sha1-${createHash('sha1').update(key).digest('hex')}`;
}

export function namespaceText(ns: Pick<NamespaceTotals, 'prefix'>): string {
  return ns.prefix ? keyText(ns.prefix) : NO_NAMESPACE;
}

const ELEMENTS: Readonly<Record<string, string>> = { hash: 'fields', list: 'elements', set: 'members', zset: 'members', stream: 'entries', string: 'bytes' };

/** Keys at or over the big-key thresholds: bytes for any type, length for collections. */
export function isBig(k: KeyStat, s: Pick<MemorySettings, 'bigKeyBytes' | 'bigKeyLength'>): boolean {
  if ((k.bytes ?? 0) >= s.bigKeyBytes) return true;
  return k.type !== 'string' && (k.length ?? 0) >= s.bigKeyLength;
}

function unlink(db: number, key: Buffer): RedisOp {
  return redisOp({
    kind: 'unlink',
    title: `UNLINK ${keyText(key)}`,
    target: { kind: 'key', db, key },
    commands: [['UNLINK', key]],
    impact: 'deletes the key (its memory is freed in the background); what it holds cannot be brought back',
    risk: 'destructive',
    confirmName: displayBytes(key),
  });
}

export function bigKeyFindings(stats: readonly KeyStat[], db: number, s: MemorySettings): RedisFinding[] {
  return stats
    .filter((k) => isBig(k, s))
    .sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0))
    .map((k) => {
      const what = k.type === 'string' ? 'string' : k.type === 'zset' ? 'sorted set' : k.type;
      const size = k.bytes !== null ? formatBytes(k.bytes) : 'unknown size';
      const length = k.length !== null ? `, ${k.length.toLocaleString('en-US')} ${ELEMENTS[k.type] ?? 'elements'}` : '';
      const critical = (k.bytes ?? 0) >= s.bigKeyBytes * 10;
      return {
        id: `memory:big-keys:${keyRowKey(k.key)}`,
        severity: critical ? 'critical' : 'warning',
        sectionId: 'top-memory',
        rowKey: keyRowKey(k.key),
        object: keyText(k.key),
        message: `Big ${what} (${size}${length}). Reading or deleting it whole blocks Redis while it runs; split it, trim it, or remove it if it is no longer needed.`,
        evidence: { type: k.type, bytes: k.bytes, length: k.length },
        fixes: [unlink(db, k.key)],
      };
    });
}

/** At most this many EXPIRE commands in one fix (the sample's keys; the rest of the namespace is not known). */
export const MAX_EXPIRE_KEYS = 100;

/**
 * Namespaces where most sampled keys have a TTL and some do not: those may be
 * leaking (written without EXPIRE by mistake). Fix: EXPIRE each of them with
 * the namespace's typical (median) TTL.
 */
export function missingTtlFindings(a: MemoryAnalysis, db: number): RedisFinding[] {
  const out: RedisFinding[] = [];
  for (const ns of a.namespaces) {
    if (!ns.prefix || ns.sampled < 10 || ns.withoutTtl.length === 0 || ns.withTtl / ns.sampled <= 0.5) continue;
    const ttl = median(ns.ttlSeconds) ?? 3600;
    const keys = ns.withoutTtl.slice(0, MAX_EXPIRE_KEYS);
    const name = namespaceText(ns);
    const share = Math.round((100 * ns.withTtl) / ns.sampled);
    const more = ns.withoutTtl.length > keys.length ? ` (the first ${keys.length} of them)` : '';
    out.push({
      id: `memory:ttl:${keyRowKey(ns.prefix)}`,
      severity: 'warning',
      sectionId: 'namespaces-memory',
      rowKey: keyRowKey(ns.prefix),
      object: name,
      message: `${ns.withoutTtl.length.toLocaleString('en-US')} sampled key${ns.withoutTtl.length === 1 ? '' : 's'} of ${name} never expire, while ${share}% of the namespace's keys have a TTL (typically ${ttl.toLocaleString('en-US')} s): they may have been written without one by mistake, and stay forever.`,
      evidence: { sampled: ns.sampled, withTtl: ns.withTtl, withoutTtl: ns.withoutTtl.length, typicalTtlSeconds: ttl },
      fixes: [
        redisOp({
          kind: 'expire-keys',
          title: `EXPIRE ${keys.length} key${keys.length === 1 ? '' : 's'} of ${name} in ${ttl.toLocaleString('en-US')} s${more}`,
          target: { kind: 'pattern', db, key: ns.prefix },
          commands: keys.map((k) => ['EXPIRE', k.key, String(ttl)]),
          impact: `the keys are deleted by Redis ${ttl.toLocaleString('en-US')} s from now, as the rest of ${name} is`,
          risk: 'destructive',
          confirmName: displayBytes(ns.prefix),
        }),
      ],
    });
  }
  return out;
}

/** A namespace of at least this many (estimated) small strings is worth grouping into hashes. */
export const SMALL_KEYS_MIN = 1_000;
/** …each using at most this much memory. */
export const SMALL_KEY_BYTES = 100;

export function smallKeysFindings(a: MemoryAnalysis): RedisFinding[] {
  const out: RedisFinding[] = [];
  for (const ns of a.namespaces) {
    if (!ns.prefix || ns.strings < 10 || ns.strings / ns.sampled < 0.9) continue;
    const estimated = ns.strings * a.factor;
    const avg = ns.stringBytes / ns.strings;
    if (estimated < SMALL_KEYS_MIN || avg > SMALL_KEY_BYTES) continue;
    const name = namespaceText(ns);
    out.push({
      id: `memory:small-keys:${keyRowKey(ns.prefix)}`,
      severity: 'info',
      sectionId: 'namespaces-count',
      rowKey: keyRowKey(ns.prefix),
      object: name,
      message: `About ${Math.round(estimated).toLocaleString('en-US')} small strings (${Math.round(avg)} bytes each on average, most of it per-key overhead). Grouped into hashes of up to a few hundred fields (e.g. ${name}<id / 1000> with field <id % 1000>), they would be kept in Redis's compact listpack encoding and use much less memory. A change in the application, not something to run.`,
      evidence: { strings: Math.round(estimated), averageBytes: Math.round(avg) },
      fixes: [],
    });
  }
  return out;
}

/** The eviction policies that act only once maxmemory is reached. */
export function evictionNeedsMaxmemory(policy: string): boolean {
  return policy !== '' && policy !== 'noeviction';
}

/** maxmemory 0 (no limit) with a policy that evicts: the policy never acts and Redis grows until the machine runs out. */
export function maxmemoryFinding(maxmemory: number | undefined, policy: string | undefined, systemMemory: number | undefined): RedisFinding | undefined {
  if (maxmemory !== 0 || !policy || !evictionNeedsMaxmemory(policy)) return undefined;
  const suggested = systemMemory && systemMemory > 0 ? Math.floor((systemMemory * 0.75) / (1024 * 1024)) : undefined;
  const value = suggested ? `${suggested}mb` : '<bytes>';
  return {
    id: 'memory:maxmemory',
    severity: 'warning',
    sectionId: 'summary',
    object: 'maxmemory',
    message: `The eviction policy is ${policy} but maxmemory is 0 (no limit): keys are never evicted, and Redis grows until the machine runs out of memory. Set maxmemory to what this server may use${suggested ? ` (e.g. 75% of the machine's ${formatBytes(systemMemory ?? 0)}, leaving room for forks and buffers)` : ''}; how much is a judgement call, so Upkeep does not run it.`,
    evidence: { maxmemory, policy, systemMemory: systemMemory ?? null },
    fixes: [],
    manualSteps: { language: 'redis', commands: [`CONFIG SET maxmemory ${value}`, 'CONFIG REWRITE'] },
  };
}
