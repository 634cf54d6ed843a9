import { evictDurableObject } from "cloudflare:test";
import type { RoomClient } from "../room-client.js";
import { roomStub } from "../room-client.js";

/**
 * Forces a room object to hibernate for real (`evictDurableObject`): its memory is gone and its
 * constructor runs again at the next event, while the clients' sockets stay open. Handlers then resume
 * with `ws.resumed === true`. Name the room as Worker code does: `hibernate(app.room(env, "lobby", { route }))`.
 */
export async function hibernate(room: RoomClient): Promise<void> {
  await evictDurableObject(roomStub(room));
}
