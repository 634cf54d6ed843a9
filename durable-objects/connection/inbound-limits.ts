import type { Frame } from "./frames.js";
import { weightOf } from "./frames.js";
import type { ResolvedLimits } from "../../src/shared/limits.js";
import { TokenBucket } from "./token-bucket.js";
import { fitsUtf8 } from "../../src/shared/utf8.js";

/** Why the library closes a connection that broke a limit: the close code and the reason it sends. */
export interface Violation {
  readonly code: number;
  readonly reason: string;
}

/** The limits one connection's incoming messages must keep, checked as each arrives. */
export class InboundLimits {
  readonly #maxBytes: number;
  readonly #bucket: TokenBucket | null;
  readonly #bytes: TokenBucket | null;
  readonly #tooBig: Violation;
  readonly #tooFast: Violation;
  readonly #tooMuch: Violation;

  constructor(limits: ResolvedLimits) {
    this.#maxBytes = limits.maxMessageBytes;
    this.#bucket = bucketFor(limits.messagesPerSecond, limits.messageBurst);
    this.#tooBig = { code: 1009, reason: `Message too big: the limit is ${limits.maxMessageBytes} bytes` };
    this.#bytes = bucketFor(limits.inboundBytesPerSecond, limits.inboundBurstBytes);
    this.#tooFast = { code: 1008, reason: `Too many messages: the limit is ${limits.messagesPerSecond} per second` };
    this.#tooMuch = {
      code: 1008,
      reason: `Too much data: the limit is ${limits.inboundBytesPerSecond} bytes per second`,
    };
  }

  check(frame: Frame): Violation | undefined {
    if (typeof frame === "string" ? !fitsUtf8(frame, this.#maxBytes) : frame.byteLength > this.#maxBytes)
      return this.#tooBig;
    if (this.#bucket !== null && !this.#bucket.take()) return this.#tooFast;
    if (this.#bytes !== null && !this.#bytes.take(weightOf(frame))) return this.#tooMuch;
    return undefined;
  }
}

/** A token bucket for a limit, or null when the limit is off (Infinity). */
export function bucketFor(perSecond: number, burst: number): TokenBucket | null {
  return perSecond === Number.POSITIVE_INFINITY ? null : new TokenBucket(perSecond, burst);
}

export const QUEUE_FULL: Violation = { code: 1013, reason: "Message queue full: the handler is not keeping up" };
