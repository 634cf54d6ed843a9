import { evictDurableObject } from "cloudflare:test";
import type { RoomObjectClient } from "../room-object-client.js";
import { roomObjects } from "../room-object-client.js";

/**
 * Forces a room object to hibernate for real (`evictDurableObject`): its memory is gone and its
 * constructor runs again at the next event, while the clients' sockets stay open. Handlers then run
 * again (a rerun) with `ws.rerun === true`. Name the room object as Worker code does:
 * `hibernate(app.roomObject(env, "lobby", { route }))`; a sharded room has each of its objects evicted,
 * its sequencer first.
 */
export async function hibernate(roomObject: RoomObjectClient): Promise<void> {
  const [first, ...shards] = await roomObjects(roomObject);
  if (first !== undefined) await evictDurableObject(first);
  // Shards without connections may have nothing running to evict.
  for (const shard of shards) await evictDurableObject(shard).catch((error: unknown) => notRunning(error));
}

function notRunning(error: unknown): void {
  if (!(error instanceof Error && error.message.includes("not currently running"))) throw error;
}
