import { WebSocketError } from "../connection/errors.js";
import type { LogPosition, LostReason } from "../../src/shared/session-protocol.js";

/** One broadcast as the history keeps it. */
export interface HistoryEntry {
  /** Its place in the room's history, within the history's epoch: 1, 2, 3, ... */
  readonly offset: number;
  /** When it was broadcast (epoch milliseconds). */
  readonly at: number;
  readonly data: string | ArrayBuffer;
}

/**
 * An entry with the connections its broadcast left out (a replay must leave them out too), and its place among the
 * entries of every room of the object (see `RoomHistory.lastPlace`).
 */
export interface LoggedEntry extends HistoryEntry {
  readonly exclude: readonly string[];
  readonly place: number;
}

/** Which part of a room's history to read: the last entries, or those after a position in its history. */
export interface HistoryQuery {
  /** How many entries, the newest. Default: all the room keeps. */
  last?: number;
  /** Only entries after this position (as a session client reports it). */
  since?: LogPosition;
}

/** A room's history as read: its epoch, and entries oldest first. */
export interface HistoryRead {
  readonly epoch: string;
  readonly entries: HistoryEntry[];
}

/** What a client missed since a position, or why it cannot be told. */
export type MissedSince = { readonly entries: readonly LoggedEntry[] } | { readonly lost: LostReason };

/** The entries read, or the error that says why those after the query's position cannot all be given. */
export function completeRead(read: HistoryRead | { readonly lost: LostReason }, query: HistoryQuery): HistoryRead {
  if ("lost" in read)
    throw new WebSocketError(`The room's history since offset ${query.since?.offset} is incomplete (${read.lost})`);
  return read;
}

/** The error for a history asked of a room that keeps none. */
export function noHistory(room: string): WebSocketError {
  return new WebSocketError(
    `The room "${room}" keeps no history: make it with new WebSocketRoom("${room}", { history: ... })`,
  );
}
