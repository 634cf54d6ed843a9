import type { HistoryOptions, ResolvedHistory } from "./history-options.js";
import { resolveHistory } from "./history-options.js";
import type { PresenceOptions, ResolvedPresence } from "./presence.js";
import { resolvePresence } from "./presence.js";

/** Options of a `WebSocketRoom`, by its name. */
export interface RoomOptions<Data = unknown> {
  /** Keep an ordered history of the room's broadcasts, for late joiners and for sessions that resume. */
  history?: HistoryOptions | true;
  /**
   * Keep the room's presence: who is in it, grouped by a key (one user's tabs and devices), connected
   * or away (a session client that dropped and may resume). Session clients get it whole when they
   * join and resume, then what changes; handlers read it with `room.presence()`.
   */
  presence?: PresenceOptions<Data> | true;
}

interface Registered {
  readonly history: ResolvedHistory | null;
  readonly presence: ResolvedPresence | null;
  /** The options as compared with a later registration of the same name. */
  readonly given: string;
}

const rooms = new Map<string, Registered>();

/**
 * Rooms are made at module scope, so every room object of the isolate knows each room's options by
 * its name: a broadcast pushed from Worker code into a named room keeps that room's history too.
 */
export function registerRoom(name: string, options: RoomOptions<never>): void {
  const history = options.history === undefined ? null : resolveHistory(options.history);
  const presence = options.presence === undefined ? null : resolvePresence(options.presence as PresenceOptions | true);
  const given = JSON.stringify({ history, presence: presence === null ? null : { countsOnly: presence.countsOnly } });
  const known = rooms.get(name);
  if (known !== undefined) {
    if (known.given !== given)
      throw new TypeError(`A WebSocketRoom named "${name}" already exists with other options (${known.given})`);
    return;
  }
  rooms.set(name, { history, presence, given });
}

/** The history a room keeps, or null when it keeps none (or was never made in this isolate). */
export function historyOf(name: string): ResolvedHistory | null {
  return rooms.get(name)?.history ?? null;
}

/** The presence a room keeps, or null when it keeps none (or was never made in this isolate). */
export function presenceOf(name: string): ResolvedPresence | null {
  return rooms.get(name)?.presence ?? null;
}
