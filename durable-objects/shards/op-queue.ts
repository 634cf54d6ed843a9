import type { RoomOp, SequencerRpc } from "./shard-protocol.js";
import { withRetries } from "./retries.js";

/** Where the sequencer put one op: its place in the room's stream, and how many connections the room has. */
export interface OpPlace {
  readonly seq: number;
  readonly connections: number;
}

/** What the queue tells of each op: submitted, then its place or its failure. */
export interface OpEvents {
  submitted(id: string): void;
  placed(id: string, seq: number): void;
  failed(id: string): void;
}

interface Queued {
  readonly op: RoomOp;
  resolve(place: OpPlace): void;
  reject(error: unknown): void;
}

/** Ops sent to the sequencer in one call, at most. */
const BATCH = 200;

/**
 * A shard's broadcasts, closes and clears, on their way to the room's sequencer in the order its
 * handlers made them: the ops of one turn go in one call, and the next call waits for the answer to
 * the last, so that the room's order keeps each shard's own. Each op has an id, so a call repeated
 * after a lost answer changes nothing.
 */
export class OpQueue {
  readonly #sequencer: () => SequencerRpc;
  readonly #warn: (message: string) => void;
  readonly #events: OpEvents;
  readonly #queued: Queued[] = [];
  #sending = false;
  /** The place of the last op submitted (0 if it failed), once the sequencer has answered. */
  #lastPlace: Promise<number> = Promise.resolve(0);

  constructor(sequencer: () => SequencerRpc, events: OpEvents, warn: (message: string) => void) {
    this.#sequencer = sequencer;
    this.#events = events;
    this.#warn = warn;
  }

  submit(op: RoomOp): Promise<OpPlace> {
    this.#events.submitted(op.id);
    const placed = new Promise<OpPlace>((resolve, reject) => {
      this.#queued.push({ op, resolve, reject });
      if (this.#queued.length === 1 && !this.#sending) queueMicrotask(() => void this.#send());
    });
    this.#lastPlace = placed.then(
      ({ seq }) => seq,
      () => 0,
    );
    return placed;
  }

  /** The place in the room's stream of the last op this shard submitted (0 if none, or if it failed). */
  lastPlace(): Promise<number> {
    return this.#lastPlace;
  }

  async #send(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queued.length > 0) {
        const batch = this.#queued.splice(0, BATCH);
        const ops = batch.map(({ op }) => op);
        try {
          const { seqs, connections } = await withRetries(
            ops[0]?.kind ?? "broadcast",
            () => this.#sequencer().sequencerSubmit(ops),
            this.#warn,
          );
          batch.forEach(({ op, resolve }, index) => {
            const seq = seqs[index] ?? 0;
            this.#events.placed(op.id, seq);
            resolve({ seq, connections });
          });
        } catch (error) {
          for (const { op, reject } of batch) {
            this.#events.failed(op.id);
            reject(error);
          }
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
