import { doublingDelay } from "../../src/shared/doubling.js";
import type { SequencerStream } from "./sequencer-stream.js";
import type { ShardRpc, StreamEntry } from "./shard-protocol.js";
import type { ShardRow, ShardTable } from "./shard-table.js";

/** Entries sent to a shard in one call, at most. */
const BATCH = 500;
const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 10_000;
/** While deliveries are pending, the alarm is set this far ahead: a reset sequencer comes back to finish them. */
const RESUME_AFTER_RESET_MS = 1_000;

export interface DeliveryDeps {
  readonly stream: SequencerStream;
  /** The shards the stream goes to, and how far each has applied it. */
  readonly shards: ShardTable;
  /** The stub of one of the room's shards. */
  shard(index: number): ShardRpc;
  /** Wake the object (its alarm) at `time` (or earlier), to retry deliveries. */
  wakeAt(time: number): void;
  /** Describes a problem to the logger (always shown). */
  warn(message: string): void;
}

/**
 * Fans a sharded room's stream out to the shards that receive it: one call at a time per shard, carrying
 * everything sequenced since its last one, so a burst costs one call per shard per turn. A shard applies
 * each entry once, in order; a shard that cannot be reached is retried (and reported) from the last entry
 * it applied.
 */
export class StreamDelivery {
  readonly #deps: DeliveryDeps;
  readonly #inFlight = new Set<number>();
  readonly #failing = new Map<number, { error: string; attempts: number; retryAt: number }>();

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
  }

  /** Starts a delivery to every shard with connections that has none in flight and is not waiting to retry. */
  fanOut(): void {
    let pending = false;
    const head = this.#deps.stream.head();
    for (const row of this.#deps.shards.live()) {
      if (row.delivered >= head) continue;
      pending = true;
      const failing = this.#failing.get(row.shard);
      if (this.#inFlight.has(row.shard) || (failing !== undefined && failing.retryAt > Date.now())) continue;
      void this.#deliver(row.shard);
    }
    // Should the object be reset meanwhile, its alarm brings it back to finish.
    if (pending) this.#deps.wakeAt(Date.now() + RESUME_AFTER_RESET_MS);
    this.#trim();
  }

  /** Retries the deliveries due by `now`, and delivers whatever is still pending. */
  retry(now: number): void {
    for (const failure of this.#failing.values()) if (failure.retryAt <= now) failure.retryAt = 0;
    this.fanOut();
  }

  /** Why the last delivery to a shard failed, while it is retried; null when it is not failing. */
  failure(shard: number): string | null {
    return this.#failing.get(shard)?.error ?? null;
  }

  /**
   * A shard reset without a close event for its sockets hears nothing more, and reports nothing: each is
   * asked (an empty delivery, after which it reports whatever it has), so that its place is not held for good.
   */
  probe(rows: readonly ShardRow[]): void {
    for (const row of rows) if (!this.#inFlight.has(row.shard)) void this.#probe(row);
  }

  async #probe(row: ShardRow): Promise<void> {
    try {
      await this.#deps.shard(row.shard).shardDeliver([], row.delivered + 1);
    } catch {
      // Unreachable now: the next delivery, or the next probe, tries again.
    }
  }

  async #deliver(shard: number): Promise<void> {
    this.#inFlight.add(shard);
    try {
      for (;;) {
        const row = this.#deps.shards.row(shard);
        if (row === undefined) return;
        const entries = this.#deps.stream.entriesAfter(row.delivered, BATCH);
        if (entries.length === 0) return;
        let applied: number;
        try {
          applied = await this.#deps.shard(shard).shardDeliver(entries, (entries[0] as StreamEntry).seq);
        } catch (error) {
          this.#failed(shard, error);
          return;
        }
        this.#failing.delete(shard);
        this.#deps.shards.markDelivered(shard, applied);
      }
    } finally {
      this.#inFlight.delete(shard);
      // Once per round, not per shard: trimming reads every shard's row. While deliveries keep
      // overlapping, the trim at each fan-out does the work.
      if (this.#inFlight.size === 0) this.#trim();
    }
  }

  #failed(shard: number, error: unknown): void {
    const attempts = (this.#failing.get(shard)?.attempts ?? 0) + 1;
    const delay = doublingDelay(attempts, FIRST_RETRY_MS, LONGEST_RETRY_MS);
    const message = error instanceof Error ? error.message : String(error);
    this.#failing.set(shard, { error: message, attempts, retryAt: Date.now() + delay });
    this.#deps.warn(`shard ${shard} could not be reached (attempt ${attempts}: ${message}); retrying in ${delay} ms`);
    this.#deps.wakeAt(Date.now() + delay);
  }

  /** Entries every shard with connections has applied are no longer needed. */
  #trim(): void {
    const { stream, shards } = this.#deps;
    stream.trimThrough(shards.lowestDelivered() ?? stream.head());
  }
}
