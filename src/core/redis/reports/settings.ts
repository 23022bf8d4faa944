/** The Redis reports' settings (`upkeep.redis.*`), read through the editor's settings reader. */
import type { SettingsReader } from '../../engine';

export interface MemorySettings {
  /** Keys sampled by SCAN (upkeep.redis.analysis.sampleSize). */
  sampleSize: number;
  /** The namespace delimiter (upkeep.redis.namespaceDelimiter). */
  delimiter: string;
  /** A key of this many bytes or more is big (upkeep.redis.analysis.bigKeyBytes). */
  bigKeyBytes: number;
  /** A hash, list, set, sorted set or stream of this many elements or more is big (upkeep.redis.analysis.bigKeyLength). */
  bigKeyLength: number;
  /** MEMORY USAGE … SAMPLES n: nested values sampled per key (upkeep.redis.analysis.memorySamples). */
  memorySamples: number;
}

export const DEFAULT_MEMORY_SETTINGS: MemorySettings = {
  sampleSize: 10_000,
  delimiter: ':',
  bigKeyBytes: 10 * 1024 * 1024,
  bigKeyLength: 10_000,
  memorySamples: 5,
};

function positive(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.min(Math.floor(value), max) : fallback;
}

export function memorySettings(s: SettingsReader): MemorySettings {
  const d = DEFAULT_MEMORY_SETTINGS;
  const delimiter = s.get<unknown>('upkeep.redis.namespaceDelimiter', d.delimiter);
  return {
    sampleSize: positive(s.get<unknown>('upkeep.redis.analysis.sampleSize', d.sampleSize), d.sampleSize),
    delimiter: typeof delimiter === 'string' && delimiter ? delimiter : d.delimiter,
    bigKeyBytes: positive(s.get<unknown>('upkeep.redis.analysis.bigKeyBytes', d.bigKeyBytes), d.bigKeyBytes),
    bigKeyLength: positive(s.get<unknown>('upkeep.redis.analysis.bigKeyLength', d.bigKeyLength), d.bigKeyLength),
    // Bounded: MEMORY USAGE walks this many nested values (0 would walk them all).
    memorySamples: positive(s.get<unknown>('upkeep.redis.analysis.memorySamples', d.memorySamples), d.memorySamples, 100),
  };
}

/** "db3" → 3 (the report's database is the db index as text). */
export function dbIndex(database: string): number {
  const m = /^(?:db)?(\d{1,5})$/.exec(database.trim());
  if (!m) throw new Error(`"${database}" is not a Redis database (db0, db1, …).`);
  return Number(m[1]);
}
