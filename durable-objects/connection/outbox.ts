import type { ResolvedLimits } from "../../src/shared/limits.js";
import type { Violation } from "./inbound-limits.js";
import { bucketFor } from "./inbound-limits.js";
import type { OutgoingFrame } from "./frames.js";
import { weightOf } from "./frames.js";
import { SocketSlot } from "./socket-slot.js";
import type { TokenBucket } from "./token-bucket.js";
import { OPEN } from "../../src/shared/ready-state.js";

/** What became of a frame sent to one socket. */
export type Delivery = "sent" | "over-budget" | "closed";

/**
 * Everything the server sends to a connection goes through here: its handler's sends, broadcasts,
 * pushes from Worker code. Each socket has a budget (`limits.outboundBytesPerSecond`,
 * `outboundBurstBytes`): the runtime does not say whether a client reads what it is sent, so a rate is
 * what bounds the memory a client that stops reading makes the room object hold. Budgets are kept per
 * socket, so dormant members are counted too.
 */
export class Outbox {
  readonly #buckets = new SocketSlot<TokenBucket>();
  readonly #perSecond: number;
  readonly #burst: number;
  /** How a connection over its budget is closed. */
  readonly overBudget: Violation;

  constructor(limits: ResolvedLimits) {
    this.#perSecond = limits.outboundBytesPerSecond;
    this.#burst = limits.outboundBurstBytes;
    this.overBudget = {
      code: 1013,
      reason: `Too much to send: a connection receives at most ${limits.outboundBytesPerSecond} bytes per second`,
    };
  }

  /**
   * Sends the frame unless it would put the socket over its budget. A send that fails because the
   * socket has closed meanwhile is "closed"; any other failure (a frame the runtime refuses) throws.
   */
  send(socket: WebSocket, frame: OutgoingFrame): Delivery {
    if (!this.#fits(socket, weightOf(frame))) return "over-budget";
    try {
      socket.send(frame);
      return "sent";
    } catch (error) {
      if (socket.readyState !== OPEN) return "closed";
      throw error;
    }
  }

  #fits(socket: WebSocket, weight: number): boolean {
    if (this.#perSecond === Number.POSITIVE_INFINITY) return true;
    let bucket = this.#buckets.get(socket);
    if (bucket === undefined) {
      bucket = bucketFor(this.#perSecond, this.#burst) as TokenBucket;
      this.#buckets.set(socket, bucket);
    }
    return bucket.take(weight);
  }
}
