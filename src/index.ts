// Everything `hypern-workers/core` has, with a Hypern that has every feature (history, sessions, shards).
export * from "./core.js";
export { Hypern } from "./full-app.js";
