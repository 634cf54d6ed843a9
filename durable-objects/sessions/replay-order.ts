import type { LogPosition } from "../../src/shared/session-protocol.js";

/**
 * Where each of a session's rooms' histories stood when a direct message was sent to it, as kept with the message:
 * room name to [epoch, offset]. A room missing had seen no broadcast here then.
 */
type HistoryMarks = Readonly<Record<string, readonly [epoch: string, offset: number]>>;

/** The heads of a session's rooms, as kept with each direct message it is sent. */
export function historyMarks(rooms: readonly string[], headOf: (room: string) => LogPosition | undefined): string {
  const marks: Record<string, [string, number]> = {};
  for (const room of rooms) {
    const head = headOf(room);
    if (head !== undefined) marks[room] = [head.epoch, head.offset];
  }
  return JSON.stringify(marks);
}

/** A resumed session's missed broadcasts in one room (in its history's order), each encoded. */
export interface MissedInRoom {
  readonly room: string;
  readonly epoch: string;
  readonly entries: readonly { readonly offset: number; readonly frame: string }[];
}

/**
 * What a resumed session missed, in the order the room object sent it: each direct message after the broadcasts
 * that came before it (by the marks it was kept with), broadcasts of different rooms room by room in between.
 * A message kept by an earlier version, without marks, comes after every broadcast, as that version replayed it.
 */
export function inSentOrder(
  rooms: readonly MissedInRoom[],
  directs: readonly { readonly after: string | null; readonly frame: string }[],
): string[] {
  const frames: string[] = [];
  const taken = rooms.map(() => 0);
  const upTo = (index: number, offset: number): void => {
    const { entries } = rooms[index] as MissedInRoom;
    for (let next = taken[index] as number; next < entries.length; next++) {
      const entry = entries[next] as MissedInRoom["entries"][number];
      if (entry.offset > offset) break;
      frames.push(entry.frame);
      taken[index] = next + 1;
    }
  };
  for (const direct of directs) {
    const marks = direct.after === null ? null : (JSON.parse(direct.after) as HistoryMarks);
    for (const [index, { room, epoch }] of rooms.entries()) {
      const mark = marks?.[room];
      // A mark in an earlier epoch: the history started anew after the message, so all of this one came later.
      if (marks === null) upTo(index, Number.POSITIVE_INFINITY);
      else if (mark !== undefined && mark[0] === epoch) upTo(index, mark[1]);
    }
    frames.push(direct.frame);
  }
  for (const index of rooms.keys()) upTo(index, Number.POSITIVE_INFINITY);
  return frames;
}
