/** A broadcast a resumed session missed, encoded, with its place among every room's broadcasts here. */
export interface MissedBroadcast {
  readonly place: number;
  readonly frame: string;
}

/** A direct message a resumed session had not acknowledged, encoded, with the place of the last broadcast before it. */
export interface MissedDirect {
  /** Null for a message kept by an earlier version, which kept no place: it comes after every broadcast, as then. */
  readonly after: number | null;
  readonly frame: string;
}

/**
 * What a resumed session missed, in the order the room object sent it: the broadcasts of all its rooms by their
 * places, each direct message (in `s` order) right after the last broadcast made before it. `broadcasts` come room by
 * room, each room's in offset order: places only ever grow within a room, so a stable sort by place keeps that.
 */
export function inSentOrder(broadcasts: readonly MissedBroadcast[], directs: readonly MissedDirect[]): string[] {
  const ordered = [...broadcasts].sort((a, b) => a.place - b.place);
  const frames: string[] = [];
  let next = 0;
  for (const { after, frame } of directs) {
    const last = after ?? Number.POSITIVE_INFINITY;
    for (; next < ordered.length && (ordered[next] as MissedBroadcast).place <= last; next++)
      frames.push((ordered[next] as MissedBroadcast).frame);
    frames.push(frame);
  }
  for (; next < ordered.length; next++) frames.push((ordered[next] as MissedBroadcast).frame);
  return frames;
}
