import { countsOf } from "./object-counts.js";
import { ours } from "./ours.js";
import { countStorage } from "./storage-count.js";

/**
 * Rooms whose names start with this are the storage scenario's: only their objects' storage calls are
 * counted, so that every other scenario measures the library's object as it is.
 */
const COUNTED_STORAGE_PREFIX = "rows-";

/**
 * The library's room object, its constructions and alarm runs counted (for the wake and idle-heartbeat
 * scenarios) and, in the storage scenario's rooms, its storage calls.
 */
export class OursRoom extends ours.RoomObject {
  constructor(ctx: DurableObjectState, env: Env) {
    const counts = countsOf(ctx);
    counts.constructions += 1;
    // Before super(): the library takes its references to the storage methods in its constructor.
    if (ctx.id.name?.includes(COUNTED_STORAGE_PREFIX)) countStorage(ctx.storage, counts);
    super(ctx, env);
    // On the instance: an alarm() of the subclass's prototype would run only when the app's own alarm is due.
    const alarm = (this.alarm as NonNullable<typeof this.alarm>).bind(this);
    this.alarm = (info) => {
      counts.alarmRuns += 1;
      return alarm(info);
    };
  }
}
