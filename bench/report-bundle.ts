import type { Implementation } from "./clients.ts";
import type { Measurement, Metric, Summary } from "./report.ts";
import { summarizeMetrics } from "./report.ts";

/** The bundle-size scenario's figures, gzip bytes as deployed first (its headline). */
const BUNDLE_METRICS: readonly Metric[] = [
  { key: "gzipBytes", label: "echo app bundled by wrangler deploy: gzip bytes" },
  { key: "bytes", label: "the same: bytes" },
  { key: "minifiedGzipBytes", label: "with --minify: gzip bytes" },
  { key: "minifiedBytes", label: "with --minify: bytes" },
];

export const summarizeBundle = (runs: Record<Implementation, readonly Measurement[]>): Summary[] =>
  summarizeMetrics("bundle", BUNDLE_METRICS, runs);
