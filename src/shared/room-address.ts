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
}

/** The Durable Object name of a room: one name per address, and no two addresses share one. */
export function objectName(address: RoomAddress): string {
  return JSON.stringify(address.group === null ? [address.room] : [address.group, address.room]);
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
  if (!Array.isArray(parts) || !parts.every((part) => typeof part === "string")) return null;
  if (parts.length === 1) return { group: null, room: parts[0] as string };
  if (parts.length === 2) return { group: parts[0] as string, room: parts[1] as string };
  return null;
}

/** How logs and errors name a room: `"lobby" of /chat/:room`, or `"feed" (server-only)`. */
export function describeAddress(address: RoomAddress): string {
  const room = address.room === "" ? "the one room" : JSON.stringify(address.room);
  return address.group === null ? `${room} (server-only)` : `${room} of ${address.group}`;
}
