import { AsyncLocalStorage } from "node:async_hooks";
import type { RoomHost } from "./host.js";

/**
 * One isolate may run several room objects, and a `WebSocketRoom` made at module scope is shared by
 * all of them. Handlers, and the methods of the app's room object class, run inside their room
 * object's context, so a room resolves its members in the object that is running the code, never in a
 * neighbour.
 */
const currentHost = new AsyncLocalStorage<RoomHost>();

export function runInRoomObject<R>(host: RoomHost, callback: () => R): R {
  return currentHost.run(host, callback);
}

export function currentRoomObject(operation: string): RoomHost {
  const host = currentHost.getStore();
  if (host === undefined) {
    throw new Error(
      `WebSocketRoom.${operation}() runs only inside a room object (a WebSocket handler, or a method of your ` +
        '"extends app.RoomObject" class); from Worker code, use app.room(env, name) instead',
    );
  }
  return host;
}

type Method = (this: object, ...args: unknown[]) => unknown;

const prepared = new WeakSet<object>();

/**
 * Makes the methods the app's subclass defines (an `alarm()`, RPC methods) run inside their room
 * object, so that `WebSocketRoom` works in them as in handlers. An `alarm()` runs after the library's
 * own use of the alarm (receive deadlines) and only when the app's alarm is due. Once per class.
 */
export function runMethodsInRoomObject(subclass: { prototype: object }, base: { prototype: object }, hostOf: (instance: object) => RoomHost): void {
  for (let proto: object | null = subclass.prototype; proto !== null && proto !== base.prototype; proto = Object.getPrototypeOf(proto)) {
    if (prepared.has(proto)) return;
    prepared.add(proto);
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name === "constructor" || typeof descriptor?.value !== "function") continue;
      const method = descriptor.value as Method;
      const inRoom: Method =
        name === "alarm"
          ? function (this: object, ...args: unknown[]) {
              return hostOf(this).alarm(() => method.apply(this, args));
            }
          : function (this: object, ...args: unknown[]) {
              return runInRoomObject(hostOf(this), () => method.apply(this, args));
            };
      Object.defineProperty(proto, name, { ...descriptor, value: inRoom });
    }
  }
}
