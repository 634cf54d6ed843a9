import type { BenchServer } from "./server.ts";
import type { ObjectCounts } from "./worker/object-counts-shape.ts";

/** Calls one of the bench Worker's `/control/...` endpoints (bench/worker/control.ts); answers its JSON. */
export async function control<T>(server: BenchServer, method: "GET" | "POST", path: string): Promise<T> {
  const response = await fetch(`${server.url}/control/${path}`, { method });
  if (!response.ok) throw new Error(`/control/${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * What the bench Worker counted in the objects of `room` (bench/worker/object-counts.ts), added up; asking wakes none.
 */
export function objectCounts(server: BenchServer, room: string): Promise<ObjectCounts & { objects: number }> {
  return control(server, "GET", `counts/${room}`);
}
