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
  /** Largest `ws.data`, measured as JSON; `setData()` throws a WebSocketError past it. Default 4096. */
  maxDataBytes?: number;
}

export type ResolvedLimits = Readonly<Required<HypernLimits>>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxMessageBytes: 1 << 20,
  maxQueuedMessages: 1024,
  maxQueuedBytes: 8 << 20,
  messagesPerSecond: 500,
  messageBurst: 1000,
  maxConnectionsPerRoom: 10_000,
  maxConnectionsPerClient: Number.POSITIVE_INFINITY,
  maxDataBytes: 4096,
};

export function resolveLimits(limits: HypernLimits = {}): ResolvedLimits {
  const resolved = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(typeof value === "number" && value >= 1 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY))) {
      throw new RangeError(`limits.${name} must be a whole number >= 1 (or Infinity for no limit), got ${String(value)}`);
    }
  }
  return resolved;
}

function definedOnly(limits: HypernLimits): HypernLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

/** Measures data the way `maxDataBytes` counts it: the length of its JSON text. Throws for data JSON cannot hold. */
export function dataSize(data: unknown): number {
  return data === undefined ? 0 : (JSON.stringify(data)?.length ?? 0);
}
