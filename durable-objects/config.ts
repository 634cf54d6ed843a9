import type { ResolvedLimits } from "../src/shared/limits.js";
import type { RouteTable } from "./connection/handler.js";
import type { RoomObjectFeatures } from "./features.js";

/** What a room object needs from the app that made its class. */
export interface RoomObjectConfig {
  readonly router: RouteTable;
  readonly limits: ResolvedLimits;
  /** Whether the app has `authorize`: then every upgrade carries its admission from the Worker. */
  readonly admits: boolean;
  /** Log every connect, rerun and close, not only failures. */
  readonly verbose: boolean;
  /** Whether any route has sessions (else no socket can carry one, and the SQL storage is never touched for them). */
  readonly hasSessions: boolean;
  /** Whether any route has a heartbeat (else the runtime is not asked to answer one). */
  readonly hasHeartbeat: boolean;
  /** The parts it was built with (history, sessions, shards). */
  readonly features: RoomObjectFeatures;
  /** The name of the room namespace binding: the objects of a sharded room find each other through it. */
  readonly binding: string;
}
