import { doublingDelay } from "../src/shared/doubling.js";
import type { SequencerRpc, ShardCounts, StreamEntry } from "./shard-protocol.js";

const APPLIED_KEY = "hypern:shard:applied";
const SETTLED_KEY = "hypern:shard:settled";
const REPORTS_KEY = "hypern:shard:reports";
/**
 * Set when the shard reports holding nothing (no open connection, no session), which lets the
 * sequencer stop delivering to it; cleared by the next entry applied.
 */
const IDLE_KEY = "hypern:shard:idle";
/** Set while a report did not get through: the alarm makes it again. */
const REPORT_DUE_KEY = "hypern:shard:report-due";
const ATTEMPTS = 6;
const FIRST_RETRY_MS = 100;
/** A report the sequencer did not take after every attempt is made again this much later, from the alarm. */
const REPORT_AGAIN_MS = 10_000;

export interface ShardParts {
  readonly kv: SyncKvStorage;
  readonly shard: number;
  sequencer(): SequencerRpc;
  /** Applies one entry of the room's stream to this shard's connections. */
  apply(entry: StreamEntry): void;
  /** Entries `first` to `last` were never delivered here although the shard held open connections. */
  missed(first: number, last: number): void;
  /** The shard's sockets: open ones, and all it holds (closing ones too). */
  counts(): ShardCounts;
  /** Wake the object (its alarm) at `time`, which then calls `reportIfDue()`. */
  wakeAt(time: number): void;
  warn(message: string): void;
}

/**
 * A shard's side of a room that spans several objects: its broadcasts and closes go to the room's
 * sequencer (each with an id, so that a retry after a lost answer is not sequenced twice), the
 * sequencer's stream comes back and is applied in order, each entry once (the last one applied is
 * kept in storage, so an eviction or a reset of the shard changes nothing), and the shard reports its
 * connections, so that new ones are placed where there is room.
 */
export class ShardLink {
  readonly #parts: ShardParts;
  #reportScheduled = false;
  /** The counts last reported (null: report whatever they are). */
  #reported: ShardCounts | null = null;

  constructor(parts: ShardParts) {
    this.#parts = parts;
  }

  publish(room: string | null, frame: string | ArrayBuffer, exclude: readonly string[]): Promise<number> {
    const id = crypto.randomUUID();
    return this.#withRetries("broadcast", (sequencer) => sequencer.sequencerPublish(id, room, frame, exclude));
  }

  close(room: string | null, code: number, reason: string): Promise<number> {
    const id = crypto.randomUUID();
    return this.#withRetries("closeAll", (sequencer) => sequencer.sequencerClose(id, room, code, reason));
  }

  clearHistory(room: string): Promise<void> {
    const id = crypto.randomUUID();
    return this.#withRetries("clearHistory", (sequencer) => sequencer.sequencerClearHistory(id, room));
  }

  /** Applies the entries this shard has not applied yet, in order; returns the last one applied. */
  deliver(entries: readonly StreamEntry[], from: number): number {
    const { kv } = this.#parts;
    const stored = kv.get<number>(APPLIED_KEY);
    let applied = stored ?? 0;
    const idle = kv.get<boolean>(IDLE_KEY) === true;
    // Entries before `from` were sequenced before this shard's first connection, or while it held
    // nothing (it said so): none were for it. If it has held connections all along since its last
    // entry (its reports did not reach the sequencer), they were missed: never a silent gap.
    if (from > applied + 1) {
      if (stored !== undefined && !idle) this.#parts.missed(applied + 1, from - 1);
      applied = from - 1;
    }
    if (idle) kv.delete(IDLE_KEY);
    try {
      for (const entry of entries) {
        if (entry.seq <= applied) continue;
        if (entry.seq !== applied + 1) break;
        this.#parts.apply(entry);
        applied = entry.seq;
      }
    } finally {
      // Should an entry fail, those before it were delivered: they are not delivered again.
      kv.put(APPLIED_KEY, applied);
    }
    // A shard that was reset has lost its connections, and has reported nothing since: the sequencer hears of it here.
    if (this.#reported === null) this.connectionsChanged();
    return applied;
  }

  /** The alarm fired: a report that did not get through is made again. */
  reportIfDue(): void {
    if (this.#parts.kv.get<boolean>(REPORT_DUE_KEY) === true) this.#reportAgain();
  }

  /** An upgrade was accepted or refused: always reported, so the sequencer counts it settled. */
  settled(): void {
    this.#parts.kv.put(SETTLED_KEY, (this.#parts.kv.get<number>(SETTLED_KEY) ?? 0) + 1);
    this.#reportAgain();
  }

  /** Reports the counts, even if unchanged since the last report. */
  #reportAgain(): void {
    this.#reported = null;
    this.connectionsChanged();
  }

  /**
   * The shard's connections may have changed: the sequencer hears of it once per turn, when they did.
   * Reports are numbered, so one retried after a newer one has arrived does not undo it.
   */
  connectionsChanged(): void {
    if (this.#reportScheduled) return;
    this.#reportScheduled = true;
    queueMicrotask(() => {
      this.#reportScheduled = false;
      const counts = this.#parts.counts();
      const reported = this.#reported;
      if (reported !== null && (Object.keys(counts) as (keyof ShardCounts)[]).every((key) => counts[key] === reported[key])) return;
      const { kv, shard } = this.#parts;
      const number = (kv.get<number>(REPORTS_KEY) ?? 0) + 1;
      kv.put(REPORTS_KEY, number);
      const report = { shard, number, ...counts, settled: kv.get<number>(SETTLED_KEY) ?? 0 };
      this.#reported = counts;
      if (counts.open === 0 && counts.sessions === 0) kv.put(IDLE_KEY, true);
      this.#withRetries("report", (sequencer) => sequencer.sequencerReport(report)).then(
        () => {
          if (kv.get(REPORT_DUE_KEY) !== undefined) kv.delete(REPORT_DUE_KEY);
        },
        () => {
          // Unreported, a shard's first connection would stop receiving the stream once its placement is stale.
          this.#reported = null;
          kv.put(REPORT_DUE_KEY, true);
          this.#parts.wakeAt(Date.now() + REPORT_AGAIN_MS);
        },
      );
    });
  }

  async #withRetries<T>(what: string, call: (sequencer: SequencerRpc) => T | Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(this.#parts.sequencer());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= ATTEMPTS) {
          this.#parts.warn(`the room's sequencer could not be reached for a ${what} after ${attempt} attempts: ${message}`);
          throw new Error(`The room's sequencer could not be reached: ${message}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, doublingDelay(attempt, FIRST_RETRY_MS)));
      }
    }
  }
}
