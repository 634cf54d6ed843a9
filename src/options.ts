export interface HypernLimits {
  /**
   * Messages one connection may have waiting for its handler's `receive*()`. Past it the connection
   * is closed with 1013 (Try Again Later) instead of dropping anything. Default 1024.
   */
  maxQueuedMessages?: number;
}

export interface HypernOptions<Env = unknown> {
  /** Name of the Durable Object namespace binding that hosts the rooms. Default "ROOMS". */
  binding?: string;
  limits?: HypernLimits;
  /** Answers requests that match no WebSocket route (HTTP routes, pages). Default: 404. */
  fallback?: (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;
}

export interface ResolvedLimits {
  readonly maxQueuedMessages: number;
}

export const DEFAULT_BINDING = "ROOMS";

export function resolveLimits(limits: HypernLimits | undefined): ResolvedLimits {
  const maxQueuedMessages = limits?.maxQueuedMessages ?? 1024;
  if (!Number.isInteger(maxQueuedMessages) || maxQueuedMessages < 1) {
    throw new RangeError(`limits.maxQueuedMessages must be a whole number >= 1, got ${String(maxQueuedMessages)}`);
  }
  return { maxQueuedMessages };
}
