import type { RoomObjectClient } from "../room-object-client.js";

/**
 * A deploy as a room's clients see it: every connection of the room object (of all its objects, in a
 * sharded room) closed from Worker code with 1012, service restart. Session clients resume, with
 * nothing lost; plain WebSocket clients see the close. Resolves with how many connections it closed.
 * Name the room object as Worker code does: `deploy(app.roomObject(env, "lobby", { route }))`.
 */
export function deploy(roomObject: RoomObjectClient, reason = "deploy"): Promise<number> {
  return roomObject.closeAll(1012, reason);
}
