/**
 * Messages between the Health panel and its host. Both sides import this
 * file; nothing here imports 'vscode' or the DOM. The page never names a
 * command: it asks for "the explain link (or fix n) of check c of subject s",
 * and the host looks the link up in its own run and runs it only when the
 * command is one health links may name.
 */
import type { HealthLink, HealthRun } from '../core/health/model';

export type { HealthRun };

/** The Health panel's webview type: its serializer is registered at activation (extension.ts; it must not load the panel's chunk). */
export const HEALTH_VIEW_TYPE = 'upkeep.health';

export type HealthHostToPage = { type: 'run'; run: HealthRun | undefined; running: boolean };

/**
 * What the page keeps across a window reload (webview state): the last run it
 * showed, to redraw at once while the host checks again. Only the page reads
 * it back; the host never takes anything from it.
 */
export interface HealthPageState {
  run: HealthRun;
}

export type HealthLinkRef = { subject: number; check: number; link: 'explain' } | { subject: number; check: number; link: 'fix'; fix: number };

export type HealthPageToHost = { type: 'ready' } | { type: 'refresh' } | ({ type: 'open' } & HealthLinkRef);

const index = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 10_000;

/** Messages from the page are untrusted input: accept only known shapes. */
export function parseHealthMessage(raw: unknown): HealthPageToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (m['type'] === 'ready' || m['type'] === 'refresh') return { type: m['type'] };
  if (m['type'] !== 'open' || !index(m['subject']) || !index(m['check'])) return undefined;
  if (m['link'] === 'explain') return { type: 'open', subject: m['subject'], check: m['check'], link: 'explain' };
  if (m['link'] === 'fix' && index(m['fix'])) return { type: 'open', subject: m['subject'], check: m['check'], link: 'fix', fix: m['fix'] };
  return undefined;
}

/** The link a page message points at, if the host's run has it. */
export function linkOf(run: HealthRun | undefined, ref: HealthLinkRef): HealthLink | undefined {
  const check = run?.subjects[ref.subject]?.checks[ref.check];
  if (!check) return undefined;
  return ref.link === 'explain' ? check.explain : check.fixes?.[ref.fix];
}
