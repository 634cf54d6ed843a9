/** Per-connection and per-room limits. Every one closes or refuses with a clear code, never silently. */
export interface HypernLimits {
  /** Largest message a client may send, in bytes; past it the connection is closed with 1009. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Messages one connection may have waiting for its handler; past it: closed with 1013. Default 1024. */
  maxQueuedMessages?: number;
  /** Bytes (characters for text) one connection may have waiting for its handler; past it: 1013. Default 8 MiB. */
  maxQueuedBytes?: number;
  /** Sustained messages per second one connection may send (a token bucket); past it: closed with 1008. Default 500. */
  messagesPerSecond?: number;
  /** Messages one connection may send at once before the rate applies. Default 1000. */
  messageBurst?: number;
  /**
   * Sustained bytes (characters for text) per second one connection may send; past it: closed with 1008. Default 1
   * MiB.
   */
  inboundBytesPerSecond?: number;
  /** Bytes one connection may send at once before `inboundBytesPerSecond` applies. Default 16 MiB. */
  inboundBurstBytes?: number;
  /**
   * Sustained bytes (characters for text) per second the server may send to one connection, from
   * every source (its handler, broadcasts, pushes); past it the send is not made and the connection
   * is closed with 1013. The runtime cannot tell whether a client reads what it is sent, so this
   * bounds how fast a client that stops reading can make the room object buffer. Default 4 MiB.
   */
  outboundBytesPerSecond?: number;
  /** Bytes the server may send to one connection at once before `outboundBytesPerSecond` applies. Default 32 MiB. */
  outboundBurstBytes?: number;
  /**
   * Sockets one room object may hold, counting those the server is closing and upgrades in progress;
   * the next upgrade is refused with HTTP 503. Default 10,000.
   */
  maxConnectionsPerRoom?: number;
  /**
   * Sockets one client address (`CF-Connecting-IP`) may hold in one room object, closing ones
   * included; the next upgrade is refused with HTTP 429. Default: no limit (many users can share an
   * address behind a NAT); set it to keep one client from filling a room.
   */
  maxConnectionsPerClient?: number;
  /**
   * Largest `ws.data`, in UTF-8 bytes of its JSON; `setData()` throws a WebSocketError past it.
   * Default 4096, at most 8192 (it shares the connection's 16 KiB attachment with its headers).
   */
  maxDataBytes?: number;
}

export type ResolvedLimits = Readonly<Required<HypernLimits>>;

const DEFAULT_LIMITS: ResolvedLimits = {
  maxMessageBytes: 1 << 20,
  maxQueuedMessages: 1024,
  maxQueuedBytes: 8 << 20,
  messagesPerSecond: 500,
  messageBurst: 1000,
  inboundBytesPerSecond: 1 << 20,
  inboundBurstBytes: 16 << 20,
  outboundBytesPerSecond: 4 << 20,
  outboundBurstBytes: 32 << 20,
  maxConnectionsPerRoom: 10_000,
  maxConnectionsPerClient: Number.POSITIVE_INFINITY,
  maxDataBytes: 4096,
};

/** The most `ws.data` may take: with it, a connection's attachment still has room for 1.9 KiB of headers. */
export const MAX_DATA_BYTES = 8_192;

export function resolveLimits(limits: HypernLimits = {}): ResolvedLimits {
  const resolved = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(typeof value === "number" && value >= 1 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY))) {
      throw new RangeError(
        `limits.${name} must be a whole number >= 1 (or Infinity for no limit), got ${String(value)}`,
      );
    }
  }
  if (resolved.maxDataBytes > MAX_DATA_BYTES) {
    throw new RangeError(
      `limits.maxDataBytes can be at most ${MAX_DATA_BYTES}: ws.data shares the connection's 16 KiB attachment`,
    );
  }
  return resolved;
}

function definedOnly(limits: HypernLimits): HypernLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
