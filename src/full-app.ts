import { Hypern as CoreHypern } from "./app.js";
import type { HypernOptions } from "./app.js";
import { history, sessions, shards } from "./features.js";

/**
 * A Hypern-style WebSocket app on Workers, with every feature: room history, sessions and sharded rooms.
 * `Hypern` from `hypern-workers/core` is the same app without them, for a smaller bundle.
 */
export class Hypern<Env = unknown> extends CoreHypern<Env> {
  constructor(options: HypernOptions<Env> = {}) {
    const { features = [] } = options;
    // Anything but an array (null included) goes on as it is, for the core's check to refuse it.
    super({ ...options, features: Array.isArray(features) ? [history, sessions, shards, ...features] : features });
  }
}
