import { evictDurableObject } from "cloudflare:test";
import type { RoomClient } from "../room-client.js";
import { roomObjects } from "../room-client.js";

/**
 * Forces a room object to hibernate for real (`evictDurableObject`): its memory is gone and its
 * constructor runs again at the next event, while the clients' sockets stay open. Handlers then resume
 * with `ws.resumed === true`. Name the room as Worker code does: `hibernate(app.room(env, "lobby", { route }))`;
 * a room that spans several objects has each of them evicted, its sequencer first.
 */
export async function hibernate(room: RoomClient): Promise<void> {
  const [first, ...shards] = await roomObjects(room);
  if (first !== undefined) await evictDurableObject(first);
  // Shards without connections may have nothing running to evict.
  for (const shard of shards) await evictDurableObject(shard).catch((error: unknown) => notRunning(error));
}

function notRunning(error: unknown): void {
  if (!(error instanceof Error && error.message.includes("not currently running"))) throw error;
}
