import { runInDurableObject } from "cloudflare:test";
import type { RoomObjectClient } from "../room-object-client.js";
import { roomObjects } from "../room-object-client.js";

/**
 * Runs the alarm of a room object now, whatever time it is set to, in every object it is made of
 * (a sharded room's sequencer first, then its shards): what the library does there (receive
 * deadlines, sessions and history past their time, silent connections closed, a sharded room's
 * retries) and your own `alarm()`, if it is due. (`runDurableObjectAlarm` of `cloudflare:test` goes by
 * `getAlarm()`, which shows a room object's own alarm only: it may find none to run.)
 */
export async function runAlarm(roomObject: RoomObjectClient): Promise<void> {
  for (const stub of await roomObjects(roomObject)) {
    await runInDurableObject(stub, (instance) => (instance as unknown as { alarm(): Promise<void> }).alarm());
  }
}
