import type { Held } from "../rooms/rooms.js";

/**
 * In a shard, a broadcast goes to the room's sequencer and comes back through the room's stream,
 * while a send to a member held here could go out at once and overtake it. So a send waits for the
 * ops the shard submitted before it to come back and be applied here; it goes out right after the last
 * of them, before the next entry of the stream. A client sees one handler's sends and broadcasts in
 * the order the handler made them, as in one object.
 */
export class SendOrder {
  /** This shard's ops not yet applied here (nor failed), by id. */
  readonly #pending = new Set<string>();
  /** Where the sequencer placed this shard's ops still pending, once it has said. */
  readonly #places = new Map<string, number>();
  /** The last op this shard submitted. */
  #last: string | null = null;
  /** Sends waiting, in the order they were made, each after an op of this shard. */
  readonly #held: { readonly after: string; readonly send: () => void }[] = [];

  /** This shard submitted an op: later sends wait for it. */
  submitted(id: string): void {
    this.#pending.add(id);
    this.#last = id;
  }

  /**
   * The sequencer placed one of this shard's ops at `seq`. An op that changed nothing (a presence
   * unchanged, a clear of a room without history) has no entry of its own: it counts as applied once
   * the stream is applied here up to its place.
   */
  placed(id: string, seq: number, appliedHere: number): void {
    if (!this.#pending.has(id)) return;
    if (seq <= appliedHere) this.applied(id);
    else this.#places.set(id, seq);
  }

  /** The stream is applied here up to `seq`: ops placed up to it are applied, whether they had an entry or not. */
  reached(seq: number): void {
    for (const [id, place] of this.#places) {
      if (place > seq) continue;
      this.#places.delete(id);
      this.applied(id);
    }
  }

  /** An entry of the stream was applied here (or one of this shard's ops failed): the sends waiting for it go out. */
  applied(id: string): void {
    this.#places.delete(id);
    if (!this.#pending.delete(id)) return;
    while (this.#held.length > 0 && !this.#pending.has((this.#held[0] as { after: string }).after))
      this.#held.shift()?.send();
  }

  /**
   * Queues `send` behind this shard's ops still on their way, if any; returns whether it queued, and behind which
   * place in the stream (the last of those ops', once the sequencer has placed them all).
   */
  hold(send: () => void): Held {
    if (this.#last === null || (!this.#pending.has(this.#last) && this.#held.length === 0)) return false;
    this.#held.push({ after: this.#last, send });
    let behind = 0;
    for (const id of this.#pending) {
      const place = this.#places.get(id);
      if (place === undefined) return { behind: null };
      behind = Math.max(behind, place);
    }
    return { behind };
  }
}
