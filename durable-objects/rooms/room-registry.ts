import type { HistoryOptions, ResolvedHistory } from "./history.js";
import { resolveHistory } from "./history.js";

/** Options of a `WebSocketRoom`, by its name. */
export interface RoomOptions {
  /** Keep an ordered log of the room's broadcasts, for late joiners and for sessions that resume. */
  history?: HistoryOptions | true;
}

const rooms = new Map<string, { readonly history: ResolvedHistory | null; readonly given: string }>();

/**
 * Rooms are made at module scope, so every room object of the isolate knows each room's options by
 * its name: a broadcast pushed from Worker code into a named room keeps that room's history too.
 */
export function registerRoom(name: string, options: RoomOptions): void {
  const history = options.history === undefined ? null : resolveHistory(options.history);
  const given = JSON.stringify(history);
  const known = rooms.get(name);
  if (known !== undefined) {
    if (known.given !== given) throw new TypeError(`A WebSocketRoom named "${name}" already exists with other options (${known.given})`);
    return;
  }
  rooms.set(name, { history, given });
}

/** The history a room keeps, or null when it keeps none (or was never made in this isolate). */
export function historyOf(name: string): ResolvedHistory | null {
  return rooms.get(name)?.history ?? null;
}
