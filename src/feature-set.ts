import type { HypernFeature } from "./features.js";
import { missingFeature } from "./shared/missing-feature.js";
import type { FeatureKind } from "./shared/missing-feature.js";

/** The features an app has, each once, with those they bring. */
export type FeatureSet = {
  readonly [Kind in FeatureKind]?: Extract<HypernFeature, { kind: Kind }>;
};

const KINDS: ReadonlySet<unknown> = new Set<FeatureKind>(["history", "sessions", "shards"]);

export function featureSet(features: readonly HypernFeature[]): FeatureSet {
  if (!Array.isArray(features)) throw new TypeError("features must be an array (of history, sessions, shards)");
  const set: Partial<Record<FeatureKind, HypernFeature>> = {};
  const add = (feature: HypernFeature): void => {
    if (typeof feature !== "object" || feature === null || !KINDS.has(feature.kind)) {
      throw new TypeError(
        `features takes history, sessions and shards from "hypern-workers/features", got ${describe(feature)}`,
      );
    }
    set[feature.kind] = feature;
    for (const required of feature.requires) add(required);
  };
  for (const feature of features) add(feature);
  return set as FeatureSet;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object" || value === null) return String(value);
  return `an object with kind ${JSON.stringify((value as { kind?: unknown }).kind)}`;
}

/** A route's options that need a feature the app was built without are refused when it is registered. */
export function checkRouteFeatures(
  features: FeatureSet,
  path: string,
  options: { readonly sessions?: unknown; readonly shards?: unknown } | undefined,
): void {
  const route = `The route ${JSON.stringify(path)}`;
  if (options?.sessions !== undefined && features.sessions === undefined)
    throw missingFeature("sessions", `${route} (with { sessions })`);
  if (options?.shards !== undefined && features.shards === undefined)
    throw missingFeature("shards", `${route} (with { shards })`);
}
