/**
 * The session protocol, on the wire: what a client that negotiates the `hypern.session.v1`
 * subprotocol and the server say to each other. Every frame is JSON text with a one-letter type `t`.
 * Plain clients never see any of it. Documented in docs/session-protocol.md for clients in any language.
 */

export const SESSION_PROTOCOL = "hypern.session.v1";

/** The second subprotocol a reconnecting client offers: this prefix and its resume token. */
const RESUME_PROTOCOL_PREFIX = "hypern.session.resume.";

/**
 * The heartbeat, on a route with `heartbeat`: a client sends exactly this text, and the runtime
 * answers with HEARTBEAT_RESPONSE without waking the room object. Any client may send it; the
 * handler never sees it.
 */
export const HEARTBEAT_REQUEST = '{"t":"ping"}';
export const HEARTBEAT_RESPONSE = '{"t":"pong"}';

/** Where a client is in one room's history: its epoch and the last offset it received. */
export interface LogPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** What a reconnecting client presents: its session, how far it got in each room's log and in its direct messages. */
export interface ResumeRequest {
  readonly session: string;
  /** The last direct message (`m`) it received. */
  readonly seq: number;
  readonly rooms: Readonly<Record<string, LogPosition>>;
}

/** Why a session, or a room's missed broadcasts, could not be recovered. */
export type LostReason = "expired" | "unknown" | "trimmed" | "epoch";

/** Payload of a message: text, or binary as base64. */
export type Payload = { readonly d: string } | { readonly b: string };

export type ClientFrame =
  /** A message for the handler, with the client's id for it (acknowledged once processed, processed once). */
  | ({ readonly t: "m"; readonly id: string } & Payload)
  /**
   * The client has received direct messages up to `s` and each room's history up to its offset in `r`;
   * `e` gives the epoch of each room's offset (an acknowledgement of a history since started anew is
   * then not taken for one of the new).
   */
  | {
      readonly t: "a";
      readonly s: number;
      readonly r?: Readonly<Record<string, number>>;
      readonly e?: Readonly<Record<string, string>>;
    };

export interface WelcomeRoom {
  readonly e: string;
  /** The last offset of the log when the client joined or resumed. */
  readonly o: number;
  /** Set when the broadcasts the client missed in this room could not all be replayed. */
  readonly lost?: LostReason;
}

/**
 * One entry of a room's presence, as a session client gets it: `k` groups one user's connections
 * (tabs, devices), `d` is the data of its latest one, `n` how many of them are connected, `a` whether
 * it is away (none connected, but a session that may still resume).
 */
export interface PresenceEntry {
  readonly k: string;
  readonly d?: unknown;
  readonly n: number;
  readonly a: boolean;
}

/** A room's presence in numbers, for rooms that keep counts only: keys here, and keys away. */
export interface PresenceCounts {
  readonly h: number;
  readonly a: number;
}

export type ServerFrame =
  /**
   * The first frame on every session connection. `recovered`: the session the client presented came
   * back (its id, data and rooms) and what it missed follows; `missed` is how many frames are replayed.
   * `lost`: why the session the client presented could not come back (it gets a new one).
   */
  | {
      readonly t: "w";
      readonly session: string;
      readonly id: string;
      readonly recovered: boolean;
      readonly missed: number;
      readonly lost?: LostReason;
      readonly rooms: Readonly<Record<string, WelcomeRoom>>;
      /**
       * On a route with `heartbeat`: send HEARTBEAT_REQUEST every `i` ms; silent for `t` ms, the connection is closed
       * (3008).
       */
      readonly hb?: { readonly i: number; readonly t: number };
    }
  /** A message sent to this connection alone, numbered in the session. */
  | ({ readonly t: "m"; readonly s: number } & Payload)
  /** A broadcast into a room that keeps history: its place in the room's log. */
  | ({ readonly t: "b"; readonly r: string; readonly e: string; readonly o: number } & Payload)
  /** A broadcast into a room without history: not numbered, not replayed after a drop. */
  | ({ readonly t: "u" } & Payload)
  /** The client's message `id` has been processed. */
  | { readonly t: "k"; readonly id: string }
  /**
   * A room's presence (rooms made with `presence`), unnumbered: `s` the whole of it (on joining the
   * room, and after a resume), or what changed since: `j` keys that joined, `u` keys whose entry
   * changed (data, connections, away), `l` keys that left. Counts-only rooms send `c` instead.
   */
  | {
      readonly t: "p";
      readonly r: string;
      readonly s?: readonly PresenceEntry[];
      readonly j?: readonly PresenceEntry[];
      readonly u?: readonly PresenceEntry[];
      readonly l?: readonly string[];
      readonly c?: PresenceCounts;
    };

/** The subprotocols a client offers: the session protocol, and when resuming, the resume token. */
export function sessionProtocols(resume: ResumeRequest | null): string[] {
  return resume === null ? [SESSION_PROTOCOL] : [SESSION_PROTOCOL, RESUME_PROTOCOL_PREFIX + encodeToken(resume)];
}

/** The subprotocols a client offered, from its `Sec-WebSocket-Protocol` header, in order. */
export function offeredSubprotocols(header: string | null | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== "");
}

/**
 * In a room over several objects, a session lives in the shard that started it, and its id names that
 * shard (`3.` then a random part), so that a resume can be placed there again.
 */
export function shardSessionPrefix(shard: number): string {
  return `${shard}.`;
}

/** The shard a session id names, or null (a session of a one-object room, or an id made up). */
export function shardOfSession(session: string): number | null {
  const shard = /^(\d{1,9})\./.exec(session)?.[1];
  return shard === undefined ? null : Number(shard);
}

/** The resume request among offered subprotocols, or null (none, or malformed). */
export function resumeRequestIn(protocols: readonly string[]): ResumeRequest | null {
  const token = protocols.find((protocol) => protocol.startsWith(RESUME_PROTOCOL_PREFIX));
  if (token === undefined) return null;
  try {
    const value = JSON.parse(fromBase64Url(token.slice(RESUME_PROTOCOL_PREFIX.length))) as Partial<ResumeRequest>;
    if (
      typeof value.session !== "string" ||
      !Number.isSafeInteger(value.seq) ||
      typeof value.rooms !== "object" ||
      value.rooms === null
    )
      return null;
    for (const position of Object.values(value.rooms)) {
      if (typeof position?.epoch !== "string" || !Number.isSafeInteger(position.offset)) return null;
    }
    return value as ResumeRequest;
  } catch {
    return null;
  }
}

export function payloadOf(data: string | ArrayBuffer | ArrayBufferView): Payload {
  if (typeof data === "string") return { d: data };
  const bytes =
    data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { b: toBase64(bytes) };
}

/** A payload as a frame: text as a string, binary as an ArrayBuffer (as the runtime hands frames over). */
export function payloadData(payload: Payload): string | ArrayBuffer {
  if ("d" in payload) return payload.d;
  // fromBase64 makes a buffer of exactly these bytes: no copy needed.
  return fromBase64(payload.b).buffer as ArrayBuffer;
}

function encodeToken(resume: ResumeRequest): string {
  return toBase64Url(JSON.stringify(resume));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function toBase64Url(text: string): string {
  return toBase64(encoder.encode(text)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(token: string): string {
  return decoder.decode(fromBase64(token.replace(/-/g, "+").replace(/_/g, "/")));
}

/** The longest message id a client may give. */
const MAX_MESSAGE_ID = 128;
/** The most rooms one acknowledgement may name. */
const MAX_ACKNOWLEDGED_ROOMS = 256;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A client frame as the server reads it, or null when it is not one. Every field is checked before
 * anything is decoded: a message has a non-empty id of at most 128 characters and exactly one payload,
 * text (`d`, a string) or bytes (`b`, well-formed base64); an acknowledgement has whole numbers >= 0.
 */
export function parseClientFrame(frame: string | ArrayBuffer): ClientFrame | null {
  if (typeof frame !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  if (value.t === "m") {
    const { id, d, b } = value;
    if (typeof id !== "string" || id === "" || id.length > MAX_MESSAGE_ID || (d === undefined) === (b === undefined))
      return null;
    if (d !== undefined) return typeof d === "string" ? { t: "m", id, d } : null;
    return isBase64(b) ? { t: "m", id, b } : null;
  }
  if (value.t === "a") {
    const { s, r, e } = value;
    if (!isCount(s)) return null;
    const offsets = r === undefined ? undefined : recordOf(r, isCount);
    const epochs = e === undefined ? undefined : recordOf(e, (epoch): epoch is string => typeof epoch === "string");
    if (offsets === null || epochs === null) return null;
    return {
      t: "a",
      s,
      ...(offsets === undefined ? {} : { r: offsets }),
      ...(epochs === undefined ? {} : { e: epochs }),
    };
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isBase64(value: unknown): value is string {
  return typeof value === "string" && value.length % 4 === 0 && BASE64.test(value);
}

/** A map of room names to values that all pass `valid`, with at most MAX_ACKNOWLEDGED_ROOMS names; null when not. */
function recordOf<T>(value: unknown, valid: (item: unknown) => item is T): Record<string, T> | null {
  if (!isRecord(value)) return null;
  const entries = Object.entries(value);
  if (entries.length > MAX_ACKNOWLEDGED_ROOMS || !entries.every(([, item]) => valid(item))) return null;
  return Object.fromEntries(entries) as Record<string, T>;
}
