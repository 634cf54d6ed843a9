import type { Summary, TargetCheck } from "./report.ts";
import type { StorageSummary } from "./report-storage.ts";

/** The cost targets of the performance issue (19) that the scenarios compared with raw do not check. */
export interface CostTargetInputs {
  readonly churn: readonly Summary[];
  readonly wake: readonly Summary[];
  readonly storage: StorageSummary;
  readonly bundle: readonly Summary[];
}

const BUNDLE_LIMIT_BYTES = 20 * 1024;

function find(rows: readonly Summary[], scenario: string, metric: string): Summary {
  const found = rows.find((r) => r.scenario === scenario && r.metric === metric);
  if (found === undefined) throw new Error(`No ${scenario} ${metric}`);
  return found;
}

function atMost(target: string, value: number, limit: number): TargetCheck {
  return { target, value, limit, met: value <= limit };
}

export function checkCostTargets({ churn, wake, storage, bundle }: CostTargetInputs): TargetCheck[] {
  const written = (operation: string): number => {
    const found = storage.operations.find((row) => row.operation === operation);
    if (found === undefined) throw new Error(`No storage operation ${operation}`);
    return found.written.median;
  };
  const overRaw = (metric: string): number => {
    const { medians } = find(wake, "wake", metric);
    return medians.ours - medians.raw;
  };
  return [
    atMost("churn: ours CPU/connection ≤ 1.05× raw", find(churn, "churn", "cpuMicrosPerConnection").ratios.ours, 1.05),
    atMost("wake: ours CPU of the waking broadcast ≤ 1.10× raw", find(wake, "wake", "cpuMillis").ratios.ours, 1.1),
    atMost("wake: ours p50 to the first delivery ≤ raw's + 1 ms (ms over raw)", overRaw("firstMs@p50"), 1),
    atMost("wake: ours p50 to the last delivery ≤ raw's + 1 ms (ms over raw)", overRaw("lastMs@p50"), 1),
    atMost("storage: rows written per broadcast into a room with history ≤ 1", written("broadcast"), 1),
    atMost("storage: rows written per acknowledgement of broadcasts ≤ 0.1", written("ack-broadcasts"), 0.1),
    atMost("storage: rows written per acknowledgement of direct messages ≤ 0.1", written("ack-direct"), 0.1),
    atMost(
      "bundle: ours' echo app ≤ 20 KiB gzip (KiB)",
      find(bundle, "bundle", "gzipBytes").medians.ours / 1024,
      BUNDLE_LIMIT_BYTES / 1024,
    ),
  ];
}
