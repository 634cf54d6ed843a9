import { CLOSED } from "../../src/shared/ready-state.js";

/**
 * Questions about the runtime's list of a room object's sockets (`ctx.getWebSockets()`), which is the
 * truth about what the object holds: open sockets, and closing ones whose client never answered.
 */

/**
 * Sockets the runtime still holds: open, or closing (a finished close frees a socket at once, whatever the list says).
 */
export function countHeld(sockets: readonly WebSocket[]): number {
  return sockets.filter((socket) => socket.readyState !== CLOSED).length;
}

/** The connection ids of the sockets the object holds (a socket's first tag is its connection's id). */
export function heldIds(ctx: DurableObjectState): Set<string> {
  const ids = new Set<string>();
  for (const socket of ctx.getWebSockets()) {
    const id = ctx.getTags(socket)[0];
    if (id !== undefined) ids.add(id);
  }
  return ids;
}
