import type { PresenceCounts, PresenceEntry, ServerFrame } from "../../src/shared/session-protocol.js";

/** What a room shows of who is in it (`new WebSocketRoom(name, { presence })`). */
export interface PresenceOptions<Data = unknown> {
  /**
   * What groups one user's connections (tabs, devices) into one entry, from a member's `ws.data` and
   * id. Default: each connection is an entry of its own (its id).
   */
  key?: (data: Data | undefined, id: string) => string;
  /** Only the numbers of keys here and away, for a room too big to list its members. Default false. */
  countsOnly?: boolean;
}

/** The error for presence asked of a room that keeps none. */
export function noPresence(room: string): Error {
  return new TypeError(
    `The room "${room}" keeps no presence: make it with new WebSocketRoom("${room}", { presence: ... })`,
  );
}

export interface ResolvedPresence {
  key(data: unknown, id: string): string;
  readonly countsOnly: boolean;
}

export function resolvePresence(options: PresenceOptions | true): ResolvedPresence {
  const given = options === true ? {} : options;
  if (given.key !== undefined && typeof given.key !== "function")
    throw new TypeError("presence.key must be a function of a member's data and id");
  const key = given.key as ((data: unknown, id: string) => string) | undefined;
  return {
    key: key === undefined ? (_, id) => id : (data, id) => String(key(data, id)),
    countsOnly: given.countsOnly === true,
  };
}

/**
 * One key's presence, added up over its connections: its latest data, how many are connected, how many sessions of it
 * are away.
 */
export interface KeyState {
  readonly key: string;
  readonly data: unknown;
  readonly live: number;
  readonly away: number;
}

/** What changed of one key: its state before and after (null: it was not, or is no longer, present). */
export interface KeyChange {
  readonly before: KeyState | null;
  readonly after: KeyState | null;
}

export function presenceEntry(state: KeyState): PresenceEntry {
  return {
    k: state.key,
    ...(state.data === undefined ? {} : { d: state.data }),
    n: state.live,
    a: state.live === 0 && state.away > 0,
  };
}

/** The presence frame of a room's whole presence: for a member that joins it or resumes. */
export function snapshotFrame(room: string, states: Iterable<KeyState>, countsOnly: boolean): string {
  const entries = [...states].map(presenceEntry);
  const frame: ServerFrame = countsOnly ? { t: "p", r: room, c: countsOf(entries) } : { t: "p", r: room, s: entries };
  return JSON.stringify(frame);
}

/**
 * The presence frame of what changed (null when nothing did, as seen from outside: a key whose entry
 * reads the same before and after is no change). Counts-only rooms get the new counts, from `all`.
 */
export function changeFrame(
  room: string,
  changes: Iterable<KeyChange>,
  countsOnly: boolean,
  all: () => Iterable<KeyState>,
): string | null {
  const joined: PresenceEntry[] = [];
  const updated: PresenceEntry[] = [];
  const left: string[] = [];
  for (const { before, after } of changes) {
    if (after === null) {
      if (before !== null) left.push(before.key);
    } else if (before === null) joined.push(presenceEntry(after));
    else if (!sameEntry(presenceEntry(before), presenceEntry(after))) updated.push(presenceEntry(after));
  }
  if (joined.length + updated.length + left.length === 0) return null;
  if (countsOnly)
    return JSON.stringify({ t: "p", r: room, c: countsOf([...all()].map(presenceEntry)) } satisfies ServerFrame);
  const frame: ServerFrame = {
    t: "p",
    r: room,
    ...(joined.length > 0 ? { j: joined } : {}),
    ...(updated.length > 0 ? { u: updated } : {}),
    ...(left.length > 0 ? { l: left } : {}),
  };
  return JSON.stringify(frame);
}

function sameEntry(a: PresenceEntry, b: PresenceEntry): boolean {
  return a.n === b.n && a.a === b.a && JSON.stringify(a.d) === JSON.stringify(b.d);
}

function countsOf(entries: readonly PresenceEntry[]): PresenceCounts {
  return { h: entries.filter(({ n }) => n > 0).length, a: entries.filter(({ a }) => a).length };
}
