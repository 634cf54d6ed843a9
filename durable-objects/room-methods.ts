type Method = (this: object, ...args: unknown[]) => unknown;

/** What the methods of the app's room object class run inside. */
export interface RoomMethodsDeps {
  inRoomObject<R>(callback: () => R): R;
  /** The library's part of the alarm, then the app's `alarm()` when its own alarm is due. */
  alarm(appAlarm: () => unknown): Promise<void>;
}

const prepared = new WeakSet<object>();

/**
 * Makes the methods the app's subclass defines (an `alarm()`, RPC methods) run inside their room
 * object, so that `WebSocketRoom` works in them as in handlers. An `alarm()` runs after the library's
 * own use of the alarm (receive deadlines) and only when the app's alarm is due. Once per class.
 */
export function runMethodsInRoomObject(
  subclass: { prototype: object },
  base: { prototype: object },
  depsOf: (instance: object) => RoomMethodsDeps,
): void {
  for (
    let proto: object | null = subclass.prototype;
    proto !== null && proto !== base.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (prepared.has(proto)) return;
    prepared.add(proto);
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name === "constructor" || typeof descriptor?.value !== "function") continue;
      const method = descriptor.value as Method;
      const inRoom: Method =
        name === "alarm"
          ? function (this: object, ...args: unknown[]) {
              return depsOf(this).alarm(() => method.apply(this, args));
            }
          : function (this: object, ...args: unknown[]) {
              return depsOf(this).inRoomObject(() => method.apply(this, args));
            };
      Object.defineProperty(proto, name, { ...descriptor, value: inRoom });
    }
  }
}
