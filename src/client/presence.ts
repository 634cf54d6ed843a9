import type { PresenceCounts, PresenceEntry, ServerFrame } from "../shared/session-protocol.js";

/** What changed of a room's presence, as the `presence` event tells it. */
export interface PresenceChange {
  readonly room: string;
  /** The room's presence came whole (on joining it, after a resume): the map was replaced. */
  readonly whole: boolean;
  readonly joined: readonly PresenceEntry[];
  readonly updated: readonly PresenceEntry[];
  readonly left: readonly string[];
  /** For a room that keeps counts only. */
  readonly counts?: PresenceCounts;
}

/**
 * The presence of the rooms a session client is in, by room and key, as the server tells it: whole
 * when the client joins a room or resumes, then what changes. A key is one user's connections; an
 * entry away has none connected but a session that may come back.
 */
export class PresenceMaps {
  readonly #rooms = new Map<string, Map<string, PresenceEntry>>();
  readonly #counts = new Map<string, PresenceCounts>();

  get(room: string): ReadonlyMap<string, PresenceEntry> {
    return this.#rooms.get(room) ?? new Map();
  }

  counts(room: string): PresenceCounts | undefined {
    return this.#counts.get(room);
  }

  /** Applies a presence frame; returns the change to tell. */
  apply(frame: Extract<ServerFrame, { t: "p" }>): PresenceChange {
    const room = frame.r;
    if (frame.c !== undefined) this.#counts.set(room, frame.c);
    let entries = this.#rooms.get(room);
    const whole = frame.s !== undefined;
    if (whole || entries === undefined) this.#rooms.set(room, (entries = new Map()));
    for (const entry of [...(frame.s ?? []), ...(frame.j ?? []), ...(frame.u ?? [])]) entries.set(entry.k, entry);
    for (const key of frame.l ?? []) entries.delete(key);
    return {
      room,
      whole,
      joined: frame.s ?? frame.j ?? [],
      updated: frame.u ?? [],
      left: frame.l ?? [],
      ...(frame.c === undefined ? {} : { counts: frame.c }),
    };
  }

  /** A new session: the server tells each room's presence again as the client joins it. */
  clear(): void {
    this.#rooms.clear();
    this.#counts.clear();
  }
}
