import { MAX_SLOTS } from "../storage/slot-keys.js";

/**
 * How much of its broadcasts a room keeps: the last `limit` entries, at most `maxBytes`, none older than `maxAgeMs`.
 */
export interface HistoryOptions {
  /** Entries kept, the newest. Default 1000. */
  limit?: number;
  /** Bytes (characters for text) the entries may take in all; the oldest go past it. Default 8 MiB. */
  maxBytes?: number;
  /** Entries older than this many milliseconds are dropped. Default: one day. */
  maxAgeMs?: number;
}

export type ResolvedHistory = Readonly<Required<HistoryOptions>>;

export function resolveHistory(options: HistoryOptions | true): ResolvedHistory {
  const resolved = { limit: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000, ...(options === true ? {} : options) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isInteger(value) && value >= 1))
      throw new RangeError(`history.${name} must be a whole number >= 1, got ${String(value)}`);
  }
  if (resolved.limit > MAX_SLOTS)
    throw new RangeError(`history.limit must be at most ${MAX_SLOTS}, got ${resolved.limit}`);
  return resolved;
}
