/**
 * The options a route gives its sessions and its shards, resolved once when the route is registered.
 * Both sides read them: the Worker to place connections, the room object to keep sessions and shards.
 */

/** A route's session settings. */
export interface SessionOptions {
  /** How long a session whose client dropped can be resumed, in milliseconds. Default 2 minutes. */
  window?: number;
  /**
   * How far a session client may fall behind, in messages it has not acknowledged (direct ones, and
   * in each room with history); past it the connection is closed with 1013 and the client resumes
   * later from where it acknowledged. Default 1000.
   */
  maxUnacknowledged?: number;
  /**
   * The bytes (characters for text) of direct messages a session keeps for its client until it
   * acknowledges them; past it the connection is closed with 1013 as above, and a session whose client
   * is away ends (its client is told `expired` when it comes back). Default 1 MiB.
   */
  maxUnacknowledgedBytes?: number;
  /**
   * Dropped sessions (their client away, their window open) one client address may leave in a room
   * object: when it starts another, its oldest dropped one ends (its client is told `expired` if it
   * comes back). Resumes are not counted against it: a deploy that drops everyone ends no session.
   * Default 16.
   */
  maxResumablePerClient?: number;
}

export type ResolvedSessions = Readonly<Required<SessionOptions>>;

export function resolveSessions(options: SessionOptions | true): ResolvedSessions {
  const resolved = {
    window: 120_000,
    maxUnacknowledged: 1_000,
    maxUnacknowledgedBytes: 1 << 20,
    maxResumablePerClient: 16,
    ...(options === true ? {} : options),
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isInteger(value) && value >= 1))
      throw new RangeError(`sessions.${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return resolved;
}

/**
 * A route's heartbeat: its clients send the heartbeat frame (`{"t":"ping"}`) every `intervalMs`, and
 * the runtime answers it (`{"t":"pong"}`) without waking the room object; a connection silent for
 * `timeoutMs` (no heartbeat, no message) is closed with 3008, from the object's alarm, which wakes it
 * about twice per `timeoutMs` at most. The session client sends the heartbeat by itself.
 */
export interface HeartbeatOptions {
  /** How often a client sends the heartbeat, in milliseconds. Default 30 s. */
  intervalMs?: number;
  /** How long a connection may stay silent before it is closed, in milliseconds. Default 75 s. */
  timeoutMs?: number;
}

export type ResolvedHeartbeat = Readonly<Required<HeartbeatOptions>>;

export function resolveHeartbeat(options: HeartbeatOptions | true): ResolvedHeartbeat {
  const resolved = { intervalMs: 30_000, timeoutMs: 75_000, ...(options === true ? {} : options) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isInteger(value) && value >= 1))
      throw new RangeError(`heartbeat.${name} must be a whole number >= 1, got ${String(value)}`);
  }
  if (resolved.timeoutMs <= resolved.intervalMs) {
    throw new RangeError(
      `heartbeat.timeoutMs (${resolved.timeoutMs}) must be longer than heartbeat.intervalMs ` +
        `(${resolved.intervalMs}): a client needs time to be heard`,
    );
  }
  return resolved;
}

/** How a room spreads over shards: at most `maxConnections` in each. */
export interface ShardOptions {
  /** Connections one shard holds, at most (far below the runtime's 32,768 per object). Default 1000. */
  maxConnections?: number;
}

export type ResolvedShards = Readonly<Required<ShardOptions>>;

export function resolveShards(options: ShardOptions | true): ResolvedShards {
  const resolved = { maxConnections: 1_000, ...(options === true ? {} : options) };
  if (!(
    Number.isInteger(resolved.maxConnections) &&
    resolved.maxConnections >= 1 &&
    resolved.maxConnections <= 32_768
  )) {
    throw new RangeError(
      `shards.maxConnections must be a whole number from 1 to 32768, got ${String(resolved.maxConnections)}`,
    );
  }
  return resolved;
}

/** The header on a shard's 503 that says it is full, so the Worker places the connection in another. */
export const SHARD_FULL_HEADER = "x-hypern-shard-full";
