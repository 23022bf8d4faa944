/**
 * Live Docker trees: one event stream per expanded Docker connection, open
 * only while the view is visible. Events refresh the connection's subtree,
 * debounced; a lost stream shows on the connection (a message child and the
 * tooltip) and reconnects with backoff. Hidden view → every stream closed, no
 * request at all until it is shown again.
 */
import type * as vscode from 'vscode';
import { openDocker } from '../../core/docker/connection';
import { affectsTree, DockerEventWatcher, type WatchState } from '../../core/docker/events';
import type { ConnectionProfile } from '../../core/connections/profile';
import { profileFingerprint } from '../../core/connections/profile';

export const EVENT_DEBOUNCE_MS = 500;

/** What a watched connection node offers the watcher. */
export interface Watched {
  readonly profile: ConnectionProfile;
  /** Forget cached lists and re-render (an event came, or the stream is back). */
  reload(): void;
  /** Re-render only (the stream's state changed). */
  redraw(): void;
}

interface Entry {
  fingerprint: string;
  node: Watched;
  watcher: DockerEventWatcher;
  state: WatchState;
  timer?: ReturnType<typeof setTimeout>;
  /** Events seen since the stream opened (tests and the tooltip read it). */
  events: number;
  /** Shown again after being hidden: what happened meanwhile was not heard, so read everything once live. */
  stale?: boolean;
}

const entries = new Map<string, Entry>();
let visible = (): boolean => false;
let subscription: vscode.Disposable | undefined;

/**
 * Called by a Docker connection node when it lists its children: the node
 * becomes the one its stream refreshes, and the stream opens if the view is
 * visible.
 */
export function watch(node: Watched, view: { visible(): boolean; onDidChangeVisibility: vscode.Event<boolean> }): void {
  visible = () => view.visible();
  subscription ??= view.onDidChangeVisibility((shown) => {
    for (const e of entries.values()) {
      if (shown) {
        e.stale = true;
        e.watcher.start();
      } else {
        e.watcher.stop();
        if (e.timer) clearTimeout(e.timer);
        e.timer = undefined;
      }
    }
  });
  const fingerprint = profileFingerprint(node.profile);
  let entry = entries.get(node.profile.id);
  if (entry && entry.fingerprint !== fingerprint) {
    entry.watcher.stop();
    entries.delete(node.profile.id);
    entry = undefined;
  }
  if (entry) {
    entry.node = node;
  } else {
    const profile = node.profile;
    const made: Entry = {
      fingerprint,
      node,
      state: { state: 'connecting' },
      events: 0,
      watcher: new DockerEventWatcher({
        open: () => openDocker(profile, { streaming: true }),
        onEvent: (event) => {
          made.events++;
          if (made.timer || !affectsTree(event)) return;
          made.timer = setTimeout(() => {
            made.timer = undefined;
            made.node.reload();
          }, EVENT_DEBOUNCE_MS);
        },
        onState: (state) => {
          const was = made.state.state;
          made.state = state;
          // Back after a loss or a hidden spell: events may have been missed, so read everything again.
          if (state.state === 'live' && (was === 'lost' || made.stale)) {
            made.stale = false;
            made.node.reload();
          } else if (state.state === 'lost' && was !== 'lost') made.node.redraw();
        },
      }),
    };
    entries.set(profile.id, made);
    entry = made;
  }
  if (visible()) entry.watcher.start();
}

/** The stream's state for a connection, if it is watched. */
export function watchState(profileId: string): (WatchState & { running: boolean; events: number }) | undefined {
  const e = entries.get(profileId);
  return e ? { ...e.state, running: e.watcher.running, events: e.events } : undefined;
}

/** Stops a connection's stream and forgets it (profile removed). */
export function unwatch(profileId: string): void {
  const e = entries.get(profileId);
  if (!e) return;
  e.watcher.stop();
  if (e.timer) clearTimeout(e.timer);
  entries.delete(profileId);
}

/** Streams of connections no longer listed (removed profiles) are closed. */
export function retainOnly(profileIds: readonly string[]): void {
  const keep = new Set(profileIds);
  for (const id of [...entries.keys()]) if (!keep.has(id)) unwatch(id);
}

/** Every stream closed (deactivation). */
export function unwatchAll(): void {
  for (const id of [...entries.keys()]) unwatch(id);
  subscription?.dispose();
  subscription = undefined;
}
