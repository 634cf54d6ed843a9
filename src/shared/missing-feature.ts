/** The parts of the library an app may leave out of its bundle. */
export type FeatureKind = "history" | "sessions" | "shards";

/** Something asked for a part this app was built without: which part, and how to add it. */
export function missingFeature(kind: FeatureKind, what: string): Error {
  return new Error(
    `${what} needs ${kind}, which this app was built without: import { Hypern } from "hypern-workers" (every ` +
      `feature), or add ${kind} from "hypern-workers/features" to the features of Hypern from "hypern-workers/core"`,
  );
}
