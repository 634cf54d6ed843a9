import type { ObjectCounts } from "./object-counts-shape.js";

/**
 * What the bench counts inside its room objects, per object. It lives in module scope, which in workerd
 * the Worker's fetch handler shares with the objects (one isolate per service), so the control route
 * reads it without waking any object.
 */
const ZERO: ObjectCounts = {
  constructions: 0,
  statements: 0,
  rowsRead: 0,
  rowsWritten: 0,
  kvGets: 0,
  kvPuts: 0,
  kvDeletes: 0,
  kvListed: 0,
  alarmsSet: 0,
  alarmRuns: 0,
};
const byObject = new Map<string, ObjectCounts>();

/** The counts of the object `ctx` belongs to, made on first use. */
export function countsOf(ctx: DurableObjectState): ObjectCounts {
  const name = ctx.id.name ?? ctx.id.toString();
  let counts = byObject.get(name);
  if (counts === undefined) byObject.set(name, (counts = { ...ZERO }));
  return counts;
}

/**
 * The counts of every object whose name contains `room`, added up: a room's object names (each
 * implementation names them its own way) hold the room's name, and the scenarios use names no other
 * room's contains.
 */
export function countsOfRoom(room: string): ObjectCounts & { objects: number } {
  const sum = { ...ZERO, objects: 0 };
  for (const [name, counts] of byObject) {
    if (!name.includes(room)) continue;
    sum.objects += 1;
    for (const key of Object.keys(ZERO) as (keyof ObjectCounts)[]) sum[key] += counts[key];
  }
  return sum;
}
