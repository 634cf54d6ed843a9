import type { HypernFeature } from "./features.js";
import type { WebSocketRoute } from "./router.js";
import { WebSocketRouter } from "./router.js";
import { missingFeature } from "./shared/missing-feature.js";
import type { FeatureKind } from "./shared/missing-feature.js";

/** The features an app has, each once, with those they bring. */
export type FeatureSet = {
  readonly [Kind in FeatureKind]?: Extract<HypernFeature, { kind: Kind }>;
};

/** What each feature builds its parts with: a value of another shape is not one of ours. */
const BUILDERS: Readonly<Record<FeatureKind, readonly string[]>> = {
  history: ["history"],
  sessions: ["sessions"],
  shards: ["place", "sequencer", "shard"],
};

function isFeature(value: unknown): value is HypernFeature {
  if (typeof value !== "object" || value === null) return false;
  const { kind, requires } = value as { kind?: unknown; requires?: unknown };
  if (typeof kind !== "string" || !Object.hasOwn(BUILDERS, kind) || !Array.isArray(requires)) return false;
  const builders = BUILDERS[kind as FeatureKind];
  return builders.every((name) => typeof (value as Record<string, unknown>)[name] === "function");
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object" || value === null) return String(value);
  return `an object with kind ${JSON.stringify((value as { kind?: unknown }).kind)}`;
}

export function featureSet(features: unknown): FeatureSet {
  if (!Array.isArray(features)) throw new TypeError("features must be an array (of history, sessions, shards)");
  const set: Partial<Record<FeatureKind, HypernFeature>> = {};
  const add = (feature: unknown): void => {
    if (!isFeature(feature)) {
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

/** A route that needs a feature the app was built without is refused when it is registered. */
export function checkRouteFeatures(
  features: FeatureSet,
  route: Pick<WebSocketRoute<never>, "path" | "sessions" | "shards">,
): void {
  const name = `The route ${JSON.stringify(route.path)}`;
  if (route.sessions !== null && features.sessions === undefined)
    throw missingFeature("sessions", `${name} (with { sessions })`);
  if (route.shards !== null && features.shards === undefined)
    throw missingFeature("shards", `${name} (with { shards })`);
}

/** An app's own router: however a route is added to it (`app.ws()`, `app.router.route()`), its features are checked. */
export class FeatureCheckedRouter<Env> extends WebSocketRouter<Env> {
  readonly #features: FeatureSet;

  constructor(features: FeatureSet) {
    super();
    this.#features = features;
  }

  protected override admit(route: WebSocketRoute<Env>): void {
    checkRouteFeatures(this.#features, route);
  }
}
