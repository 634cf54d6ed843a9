/**
 * The heartbeats of ours' idle routes (bench/worker/ours.ts), by route name: the library's default
 * (a ping every 30 s, closed after 75 s of silence), and the same sped up 3 and 30 times, interval and
 * timeout alike, so that everything a heartbeat causes (pings, alarms) comes exactly that many times
 * as often. A file of its own, free of Workers types and imports, so that the load generator reads it too.
 */
export const HEARTBEAT_ROUTES = {
  heartbeat: { intervalMs: 30_000, timeoutMs: 75_000, speedUp: 1 },
  "heartbeat-3x": { intervalMs: 10_000, timeoutMs: 25_000, speedUp: 3 },
  "heartbeat-30x": { intervalMs: 1_000, timeoutMs: 2_500, speedUp: 30 },
} as const;
export type HeartbeatRoute = keyof typeof HEARTBEAT_ROUTES;

export const DEFAULT_HEARTBEAT = HEARTBEAT_ROUTES.heartbeat;
