/**
 * The Redis tree's settings and the view's filter. The filter lives here, in
 * the redis-views chunk, which the tree's nodes and the filter commands both
 * load (one copy of this module), so both read the same value.
 */
import * as vscode from 'vscode';
import type { KeyFilter } from '../../core/redis/keyspace';

export interface RedisTreeSettings {
  delimiter: string;
  scanCount: number;
  pageSize: number;
  /** SCAN calls one page may send before it stops with what it found. */
  maxScanCalls: number;
  memorySamples: number;
  memoryWarnPercent: number;
  showEmptyDatabases: boolean;
  valuePageSize: number;
  valueStringBytes: number;
}

export function redisSettings(): RedisTreeSettings {
  const c = vscode.workspace.getConfiguration('upkeep.redis');
  const int = (key: string, fallback: number, min: number): number => Math.max(min, Math.floor(c.get<number>(key, fallback)));
  return {
    delimiter: c.get<string>('namespaceDelimiter', ':'),
    scanCount: int('scanCount', 1000, 10),
    pageSize: int('pageSize', 500, 10),
    maxScanCalls: int('maxScanCallsPerPage', 100, 1),
    memorySamples: int('memoryUsageSamples', 5, 0),
    memoryWarnPercent: c.get<number>('memoryWarnPercent', 90),
    showEmptyDatabases: c.get<boolean>('showEmptyDatabases', false),
    valuePageSize: int('valuePageSize', 500, 1),
    valueStringBytes: int('valueStringBytes', 65_536, 256),
  };
}

let current: KeyFilter = {};

/** The Redis view's filter (pattern and type), shared by every connection in it. */
export function keyFilter(): KeyFilter {
  return current;
}

export function setKeyFilter(filter: KeyFilter): void {
  current = { ...(filter.pattern ? { pattern: filter.pattern } : {}), ...(filter.type ? { type: filter.type } : {}) };
}

/** "MATCH user:* · TYPE hash", or undefined without a filter. */
export function filterText(filter: KeyFilter = current): string | undefined {
  const parts = [filter.pattern ? `MATCH ${filter.pattern}` : '', filter.type ? `TYPE ${filter.type}` : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}
