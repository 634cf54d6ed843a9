import type { history } from "./features/history.js";
import type { sessions } from "./features/sessions.js";
import type { shards } from "./features/shards.js";

// Each in a module of its own, so that a bundle takes only those an app imports.
export { history } from "./features/history.js";
export { sessions } from "./features/sessions.js";
export { shards } from "./features/shards.js";

/**
 * A part of the library an app built on `hypern-workers/core` adds to its bundle: `history`, `sessions` or
 * `shards`, from `hypern-workers/features`. `Hypern` from `hypern-workers` has them all.
 */
export type HypernFeature = typeof history | typeof sessions | typeof shards;
