import { AsyncLocalStorage } from "node:async_hooks";
import type { RoomHost } from "./host.js";

/**
 * One isolate may run several room objects, and a `WebSocketRoom` made at module scope is shared by
 * all of them. Each handler runs inside its room object's context, so a room resolves its members in
 * the object that is running the code, never in a neighbour.
 */
const currentHost = new AsyncLocalStorage<RoomHost>();

export function runInRoomObject<R>(host: RoomHost, callback: () => R): R {
  return currentHost.run(host, callback);
}

export function currentRoomObject(operation: string): RoomHost {
  const host = currentHost.getStore();
  if (host === undefined) {
    throw new Error(
      `WebSocketRoom.${operation}() runs only inside a WebSocket handler (in its room object); ` +
        "from Worker code, use app.room(env, name) instead",
    );
  }
  return host;
}
