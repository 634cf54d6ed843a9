import { abortAllDurableObjects } from "cloudflare:test";

/**
 * A reset, as when a room object crashes or its code is updated: every Durable Object of the Worker
 * under test (every room object of every room, and any other) loses its memory and its sockets at
 * once (`abortAllDurableObjects`). Clients see 1006 and the room objects no close at all; storage
 * stays, so session clients resume from it. Not `cloudflare:test`'s `reset()`, which deletes storage.
 */
export function resetRoomObjects(): Promise<void> {
  return abortAllDurableObjects();
}
