import { Hypern as CoreHypern } from "./app.js";
import type { HypernOptions } from "./app.js";
import { history, sessions, shards } from "./features.js";

/**
 * A Hypern-style WebSocket app on Workers, with every feature: room history, sessions and sharded rooms.
 * `Hypern` from `hypern-workers/core` is the same app without them, for a smaller bundle.
 */
export class Hypern<Env = unknown> extends CoreHypern<Env> {
  constructor(options: HypernOptions<Env> = {}) {
    super({ ...options, features: [history, sessions, shards, ...(options.features ?? [])] });
  }
}
