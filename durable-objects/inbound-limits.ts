import type { Frame } from "./message.js";
import type { ResolvedLimits } from "../src/shared/limits.js";
import { TokenBucket } from "./rate-limit.js";
import { fitsUtf8 } from "../src/shared/utf8.js";

/** Why the library closes a connection that broke a limit: the close code and the reason it sends. */
export interface Violation {
  readonly code: number;
  readonly reason: string;
}

/** The limits one connection's incoming messages must keep, checked as each arrives. */
export class InboundLimits {
  readonly #maxBytes: number;
  readonly #bucket: TokenBucket | null;
  readonly #tooBig: Violation;
  readonly #tooFast: Violation;

  constructor(limits: ResolvedLimits) {
    this.#maxBytes = limits.maxMessageBytes;
    this.#bucket =
      limits.messagesPerSecond === Number.POSITIVE_INFINITY ? null : new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.#tooBig = { code: 1009, reason: `Message too big: the limit is ${limits.maxMessageBytes} bytes` };
    this.#tooFast = { code: 1008, reason: `Too many messages: the limit is ${limits.messagesPerSecond} per second` };
  }

  check(frame: Frame): Violation | undefined {
    if (typeof frame === "string" ? !fitsUtf8(frame, this.#maxBytes) : frame.byteLength > this.#maxBytes) return this.#tooBig;
    if (this.#bucket !== null && !this.#bucket.take()) return this.#tooFast;
    return undefined;
  }
}

export const QUEUE_FULL: Violation = { code: 1013, reason: "Message queue full: the handler is not keeping up" };
