/**
 * Messages between the Docker stats panel and its host. Both sides import
 * this file; nothing here imports 'vscode' or the DOM. The host keeps each
 * container's recent samples and re-sends them when the page (re)loads, so
 * the panel needs no retained context while hidden.
 */
import type { StatsSample } from '../core/docker/stats';

export type { StatsSample };

export interface StatsContainer {
  id: string;
  name: string;
}

/** streaming: samples arrive; paused: the panel is hidden (no stream open); stopped: the container does not run; error: see message. */
export type StatsState = 'streaming' | 'paused' | 'stopped' | 'error';

export type StatsHostToPage =
  | { type: 'init'; title: string; engine: string; containers: StatsContainer[]; windowSeconds: number }
  | { type: 'history'; id: string; samples: StatsSample[] }
  | { type: 'sample'; id: string; sample: StatsSample }
  | { type: 'state'; id: string; state: StatsState; message?: string };

export type StatsPageToHost = { type: 'ready' };

/** Messages from the page are untrusted input: accept only known shapes. */
export function parseStatsMessage(raw: unknown): StatsPageToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  return (raw as { type?: unknown }).type === 'ready' ? { type: 'ready' } : undefined;
}
