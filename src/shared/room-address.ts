/**
 * Where a room lives. Every room object is named by a group and a room name in it: a route names its
 * rooms within its own group (its pattern, unless the app gives routes a shared group), and rooms that
 * only Worker code reaches have no group. So a name made from client input can never reach another
 * route's room object or a server-only one.
 */
export interface RoomAddress {
  /** The group of rooms: a route's pattern or the group the app gave it; null for a room only Worker code reaches. */
  readonly group: string | null;
  /** The room's name within its group. */
  readonly room: string;
  /** For a room that spans several objects (a route with `shards`): which of them. */
  readonly part?: RoomPart;
}

/** One object of a sharded room: a shard holding some of its connections, or its sequencer. */
export type RoomPart = { readonly shard: number } | { readonly sequencer: true };

/** The Durable Object name of a room: one name per address, and no two addresses share one. */
export function objectName(address: RoomAddress): string {
  const base = address.group === null ? [address.room] : [address.group, address.room];
  if (address.part === undefined) return JSON.stringify(base);
  return JSON.stringify([...base, ...("shard" in address.part ? ["shard", address.part.shard] : ["sequencer"])]);
}

/** The address a room object was named with, or null for a name this library did not make. */
export function parseObjectName(name: string | undefined): RoomAddress | null {
  if (name === undefined) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(name);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || !parts.slice(0, 2).every((part) => typeof part === "string")) return null;
  if (parts.length === 1) return { group: null, room: parts[0] as string };
  const [group, room, kind, shard] = parts as [string, string, unknown, unknown];
  if (parts.length === 2) return { group, room };
  if (parts.length === 3 && kind === "sequencer") return { group, room, part: { sequencer: true } };
  if (parts.length === 4 && kind === "shard" && Number.isSafeInteger(shard))
    return { group, room, part: { shard: shard as number } };
  return null;
}

/** How logs and errors name a room: `"lobby" of /chat/:room`, or `"feed" (server-only)`. */
export function describeAddress(address: RoomAddress): string {
  const room = address.room === "" ? "the one room object" : JSON.stringify(address.room);
  const part =
    address.part === undefined ? "" : "shard" in address.part ? ` (shard ${address.part.shard})` : " (sequencer)";
  return (address.group === null ? `${room} (server-only)` : `${room} of ${address.group}`) + part;
}
