import type { SequencerRpc, ShardCounts, StreamEntry } from "./shard-protocol.js";
import { withRetries } from "./retries.js";

const APPLIED_KEY = "hypern:shard:applied";
const SETTLED_KEY = "hypern:shard:settled";
const REPORTS_KEY = "hypern:shard:reports";
/**
 * Set when the shard reports holding nothing (no open connection, no session), which lets the
 * sequencer stop delivering to it; cleared by the first delivery once it holds something again (what
 * reaches it while it still holds nothing, such as its own members' leaving, leaves it idle).
 */
const IDLE_KEY = "hypern:shard:idle";
/** Set while a report did not get through: the alarm makes it again. */
const REPORT_DUE_KEY = "hypern:shard:report-due";
/** A report the sequencer did not take after every attempt is made again this much later, from the alarm. */
const REPORT_AGAIN_MS = 10_000;
/**
 * How long a send waits for the stream to reach what its sender did before it. The stream reaches a
 * shard with members within a delivery; this bound only keeps a send from waiting for good should the
 * sequencer have stopped delivering here.
 */
const WAIT_FOR_STREAM_MS = 10_000;

export interface ShardLinkDeps {
  readonly kv: SyncKvStorage;
  readonly shard: number;
  sequencer(): SequencerRpc;
  /** Applies one entry of the room's stream to this shard's connections. */
  apply(entry: StreamEntry): void;
  /** Entries `first` to `last` were never delivered here although the shard held open connections. */
  missed(first: number, last: number): void;
  /** The shard's sockets and sessions. */
  counts(): ShardCounts;
  /** Wake the object (its alarm) at `time`, which then calls `reportIfDue()`. */
  wakeAt(time: number): void;
  warn(message: string): void;
}

/**
 * A shard's side of the room's stream: the sequencer's entries come in and are applied in order, each
 * once (the last one applied is kept in storage, so an eviction or a reset of the shard changes
 * nothing), and the shard reports its connections, so that new ones are placed where there is room.
 */
export class ShardLink {
  readonly #deps: ShardLinkDeps;
  #reportScheduled = false;
  /** The counts last reported (null: report whatever they are). */
  #reported: ShardCounts | null = null;
  /**
   * What waits for the stream to reach a place (a pending timer keeps the object awake: it is cleared as each runs).
   */
  #waiting: { readonly seq: number; readonly timer: ReturnType<typeof setTimeout>; readonly run: () => void }[] = [];

  /** The last entry applied, as stored (read once). */
  #applied: number | null = null;

  constructor(deps: ShardLinkDeps) {
    this.#deps = deps;
  }

  /** The last entry of the stream applied here. */
  applied(): number {
    return (this.#applied ??= this.#deps.kv.get<number>(APPLIED_KEY) ?? 0);
  }

  /**
   * Runs `run` once this shard has applied the stream up to `seq`: at once if it has, or right after
   * that entry is applied, before the next one (or after a bound, should the stream stop coming).
   */
  afterApplied(seq: number, run: () => void): void {
    if (this.applied() >= seq) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      this.#waiting = this.#waiting.filter((other) => other !== waiter);
      this.#deps.warn(
        `the room's stream did not reach entry ${seq} here within ${WAIT_FOR_STREAM_MS} ms: what waited for it ` +
          `goes ahead`,
      );
      run();
    }, WAIT_FOR_STREAM_MS);
    const waiter = { seq, timer, run };
    this.#waiting.push(waiter);
  }

  /** Applies the entries this shard has not applied yet, in order; returns the last one applied. */
  deliver(entries: readonly StreamEntry[], from: number): number {
    const { kv } = this.#deps;
    const stored = kv.get<number>(APPLIED_KEY);
    let applied = stored ?? 0;
    const idle = kv.get<boolean>(IDLE_KEY) === true;
    // Entries before `from` were sequenced before this shard's first connection, or while it held
    // nothing (it said so): none were for it. If it has held connections all along since its last
    // entry (its reports did not reach the sequencer), they were missed: never a silent gap.
    if (from > applied + 1) {
      if (stored !== undefined && !idle) this.#deps.missed(applied + 1, from - 1);
      this.#applied = applied = from - 1;
      this.#runWaiting(applied);
    }
    if (idle && holdsAnything(this.#deps.counts())) kv.delete(IDLE_KEY);
    try {
      for (const entry of entries) {
        if (entry.seq <= applied) continue;
        if (entry.seq !== applied + 1) break;
        this.#deps.apply(entry);
        this.#applied = applied = entry.seq;
        this.#runWaiting(applied);
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
    if (this.#deps.kv.get<boolean>(REPORT_DUE_KEY) === true) this.#reportAgain();
  }

  /** An upgrade was accepted or refused: always reported, so the sequencer counts it settled. */
  settled(): void {
    this.#deps.kv.put(SETTLED_KEY, (this.#deps.kv.get<number>(SETTLED_KEY) ?? 0) + 1);
    this.#reportAgain();
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
      this.#report();
    });
  }

  #report(): void {
    const counts = this.#deps.counts();
    const reported = this.#reported;
    if (
      reported !== null &&
      (Object.keys(counts) as (keyof ShardCounts)[]).every((key) => counts[key] === reported[key])
    )
      return;
    const { kv, shard } = this.#deps;
    const number = (kv.get<number>(REPORTS_KEY) ?? 0) + 1;
    kv.put(REPORTS_KEY, number);
    const report = { shard, number, ...counts, settled: kv.get<number>(SETTLED_KEY) ?? 0 };
    this.#reported = counts;
    if (!holdsAnything(counts)) kv.put(IDLE_KEY, true);
    withRetries("report", () => this.#deps.sequencer().sequencerReport(report), this.#deps.warn).then(
      () => {
        if (kv.get(REPORT_DUE_KEY) !== undefined) kv.delete(REPORT_DUE_KEY);
      },
      () => {
        // Unreported, a shard's first connection would stop receiving the stream once its placement is stale.
        this.#reported = null;
        kv.put(REPORT_DUE_KEY, true);
        this.#deps.wakeAt(Date.now() + REPORT_AGAIN_MS);
      },
    );
  }

  /** Reports the counts, even if unchanged since the last report. */
  #reportAgain(): void {
    this.#reported = null;
    this.connectionsChanged();
  }

  #runWaiting(applied: number): void {
    if (this.#waiting.length === 0) return;
    const ready = this.#waiting.filter(({ seq }) => seq <= applied);
    this.#waiting = this.#waiting.filter(({ seq }) => seq > applied);
    for (const { timer, run } of ready) {
      clearTimeout(timer);
      run();
    }
  }
}

function holdsAnything(counts: ShardCounts): boolean {
  return counts.open > 0 || counts.sessions > 0;
}
