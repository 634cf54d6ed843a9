import { AsyncLocalStorage } from "node:async_hooks";
import type { Rooms } from "./rooms.js";

/**
 * One isolate may run several room objects, and a `WebSocketRoom` made at module scope is shared by
 * all of them. Handlers, and the methods of the app's room object class, run inside their room
 * object's context, so a room resolves its members in the object that is running the code, never in a
 * neighbour.
 */
const current = new AsyncLocalStorage<Rooms>();

export function runWithRooms<R>(rooms: Rooms, callback: () => R): R {
  return current.run(rooms, callback);
}

export function currentRooms(operation: string): Rooms {
  const rooms = current.getStore();
  if (rooms === undefined) {
    throw new Error(
      `WebSocketRoom.${operation}() runs only inside a room object (a WebSocket handler, or a method of your ` +
        '"extends app.RoomObject" class); from Worker code, use app.roomObject(env, name, { route }) instead',
    );
  }
  return rooms;
}
