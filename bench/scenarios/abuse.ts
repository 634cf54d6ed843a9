import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { resolveSessions } from "../../src/shared/route-options.ts";
import { sleep } from "../clients.ts";
import { control } from "../control.ts";
import type { BenchServer } from "../server.ts";
import { maskedTextFrame } from "../tcp-client.ts";

export interface AbuseSizes {
  /** How long the abusive client keeps at it, in seconds. */
  seconds: number;
  /** Its connections open at once (`creep`: one). */
  concurrency: number;
  /** Characters of each message it sends (the handler echoes it back as a direct message). */
  messageBytes: number;
  /**
   * Messages it sends on each connection before dropping it (`churn`; `fill` and `creep` send what its session may
   * still keep, `creep` one to a full one).
   */
  messagesPerConnection: number;
  /** How often the room object's storage is read while the client is at it, in milliseconds. */
  sampleMs: number;
}

/**
 * The route the client abuses, as bench/worker/abuse.ts sets it up: the one limit set (the app's,
 * so the worker's app has it; kept in step by hand) and the library's default session options, which
 * bound what the room object keeps.
 */
export const ABUSED_ROUTE = {
  path: "/abuse/echo/:room",
  maxConnectionsPerRoom: 20,
  sessions: resolveSessions(true),
} as const;

/** What `GET /control/storage/:room` answers (bench/worker/abuse.ts, `storageFigures`). */
export interface AbuseStorage {
  /** Rows of each `hypern_*` table. */
  rows: Record<string, number>;
  /** Sessions, their socket open or gone; those whose socket is gone and window open; those a socket holds. */
  sessions: number;
  resumable: number;
  attached: number;
  /** Direct messages kept past what their client acknowledged, and their bytes (characters for text). */
  unacknowledged: number;
  unacknowledgedBytes: number;
  /** The most of them one session keeps. */
  unacknowledgedMost: number;
  /** Rows of `hypern_kept` and `hypern_inbox` whose session no longer exists (nothing would delete them). */
  orphanRows: number;
  kvEntries: number;
  /** `ctx.storage.sql.databaseSize`. */
  databaseSize: number;
  /** Sockets the room object holds (`ctx.getWebSockets()`). */
  sockets: number;
  /** The client addresses its sessions were started from (`CF-Connecting-IP`; "(none)" when unknown). */
  addresses: string[];
}

/** The figures read from the room object, by key: those of `AbuseStorage` and `rows.<table>`. */
export const ABUSE_FIGURES = [
  "sockets",
  "sessions",
  "resumable",
  "attached",
  "unacknowledged",
  "unacknowledgedBytes",
  "unacknowledgedMost",
  "orphanRows",
  "kvEntries",
  "databaseSize",
] as const;

/**
 * How the client goes about it:
 * - `churn`: every other connection starts a new session, the others resume the client's own dropped
 *   session it has left longest (to keep it alive); `messagesPerConnection` on each;
 * - `fill`: as one that knows the limits would: first as many new sessions at once as the room object
 *   holds sockets (`maxConnectionsPerRoom`; none of them dropped yet, so none ends another), each sent
 *   as many messages as a session may keep unacknowledged (`maxUnacknowledged`; one more and the
 *   server closes it with 1013); then only resumes, of the session it has left longest (one not yet
 *   full first), to keep them alive;
 * - `creep`: one session, one connection at a time: it fills the session as `fill` does, then resumes
 *   it with one message more, which takes it past `maxUnacknowledged`: the server closes it with 1013,
 *   and the client waits for the close. Its next resume, acknowledging nothing, is refused (the
 *   session ends, `expired`; before that was fixed, each such cycle kept one message more, without
 *   end): the welcome is of a new session, which it fills again. One session, so that no new one of
 *   the address ends another (`maxResumablePerClient`): each resume lost is one refused.
 */
export const ABUSE_VARIANTS = ["churn", "fill", "creep"] as const;
export type AbuseVariant = (typeof ABUSE_VARIANTS)[number];

/** What the client did, by key. */
export const ABUSE_ACTIVITY = [
  "connections",
  "refused",
  "started",
  "resumed",
  "recovered",
  "lost",
  "lostTooFarBehind",
  "sent",
  "processed",
  "directs",
  "closedTooFarBehind",
] as const;
type Activity = Record<(typeof ABUSE_ACTIVITY)[number], number>;

const SESSION_PROTOCOL = "hypern.session.v1";
const RESUME_PREFIX = "hypern.session.resume.";

/** A resume token that says nothing was received: whatever the session kept stays unacknowledged. */
const resumeToken = (session: string): string =>
  RESUME_PREFIX + Buffer.from(JSON.stringify({ session, seq: 0, rooms: {} })).toString("base64url");

interface WelcomeFrame {
  session: string;
  recovered: boolean;
  /** Why the session the client presented did not come back. */
  lost?: string;
}

/**
 * A session client on a bare TCP socket that does what the session client never would: it never
 * acknowledges what it receives, and it leaves by destroying its TCP connection (no close frame), so
 * that the server takes it for a drop and keeps the session for a resume. It reads every frame, and
 * counts the server's `k` (the handler has the message) and `m` (a direct message) frames.
 */
class AbusiveSocket {
  readonly #socket: Socket;
  #pending: Buffer = Buffer.alloc(0);
  welcome: WelcomeFrame | null = null;
  processed = 0;
  directs = 0;
  closeCode: number | null = null;
  ended = false;
  /** Frames read so far. */
  #heard = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Opens a session connection (resuming `session` if given); the HTTP status when the upgrade is refused. */
  static async open(
    server: BenchServer,
    path: string,
    session: string | null,
  ): Promise<AbusiveSocket | { status: number }> {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    socket.setNoDelay(true);
    socket.on("error", () => {}); // a reset shows as the end of the connection
    const client = new AbusiveSocket(socket);
    socket.once("close", () => void (client.ended = true));
    const protocols = session === null ? SESSION_PROTOCOL : `${SESSION_PROTOCOL}, ${resumeToken(session)}`;
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: ` +
        `13\r\nSec-WebSocket-Protocol: ${protocols}\r\n\r\n`,
    );
    return new Promise((resolve) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        socket.off("data", onData);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.toString("latin1"))?.[1] ?? 0);
        if (status !== 101) {
          socket.destroy();
          return resolve({ status });
        }
        socket.on("data", (data: Buffer) => client.#read(data));
        client.#read(head.subarray(end + 4));
        resolve(client);
      };
      socket.on("data", onData);
      socket.once("close", () => resolve({ status: 0 }));
    });
  }

  /** Sends one message for the handler, with its id. */
  send(id: string, text: string): void {
    if (!this.ended)
      this.#socket.write(Buffer.concat(maskedTextFrame(Buffer.from(JSON.stringify({ t: "m", id, d: text })))));
  }

  /** Waits until `done()`, checking every 5 ms; gives up (false) after `timeoutMs` without a frame from the server. */
  async until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    let heard = this.#heard;
    for (let deadline = performance.now() + timeoutMs; !done(); await sleep(5)) {
      if (this.#heard !== heard) [heard, deadline] = [this.#heard, performance.now() + timeoutMs];
      if (performance.now() > deadline) return false;
    }
    return true;
  }

  /** Ends the TCP connection without a close frame: to the server, a drop. */
  destroy(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    const buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    for (;;) {
      if (buffer.length - at < 2) break;
      const opcode = (buffer[at] as number) & 0x0f;
      let length = (buffer[at + 1] as number) & 0x7f;
      let head = 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = buffer.readUInt16BE(at + 2);
        head = 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        length = Number(buffer.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (buffer.length - at < head + length) break;
      this.#frame(opcode, buffer.subarray(at + head, at + head + length));
      at += head + length;
    }
    this.#pending = buffer.subarray(at);
  }

  #frame(opcode: number, payload: Buffer): void {
    this.#heard += 1;
    if (opcode === 0x8) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      return;
    }
    if (opcode !== 0x1) return;
    // Every session frame is JSON that starts {"t":"<type>"
    const type = String.fromCharCode(payload[6] as number);
    if (type === "k") this.processed += 1;
    else if (type === "m") this.directs += 1;
    else if (type === "w") this.welcome = JSON.parse(payload.toString()) as WelcomeFrame;
  }
}

/** A session the client started, as it knows it. */
interface OwnSession {
  readonly id: string;
  busy: boolean;
  /** Its messages the handler has had (each echoed back and kept, never acknowledged). */
  kept: number;
  /** When the client last had it on a connection. */
  touched: number;
}

let runs = 0;

/**
 * One abusive client, from one address (loopback), against a fresh room object of `/abuse/echo/:room`
 * (sessions with their default options; at most 20 sockets) for `sizes.seconds`: `concurrency` loops (`creep`: one),
 * each opening a session connection after another, new or a resume as `variant` says (ABUSE_VARIANTS);
 * on each it sends messages of `messageBytes` characters, which the handler echoes back as direct
 * messages, waits for the handler to have them, and drops the connection (TCP destroyed, no close
 * frame). It never acknowledges anything, and resumes saying it received nothing. Meanwhile the room
 * object's storage is read every `sampleMs`; each figure's peak and its value at the end (once two
 * readings agree) are measured, with what the client did.
 */
export async function abuse(
  server: BenchServer,
  variant: AbuseVariant,
  sizes: AbuseSizes,
): Promise<Record<string, number>> {
  const room = `abuse-${variant}-${++runs}-${Date.now()}`;
  const path = ABUSED_ROUTE.path.replace(":room", room);
  const read = (): Promise<AbuseStorage> => control<AbuseStorage>(server, "GET", `storage/${room}`);
  const activity = Object.fromEntries(ABUSE_ACTIVITY.map((key) => [key, 0])) as Activity;
  const sessions = new Map<string, OwnSession>();
  const text = "x".repeat(sizes.messageBytes);
  let messageIds = 0;

  const peaks: Record<string, number> = {};
  const keep = (figures: AbuseStorage): void => {
    for (const [key, value] of Object.entries(flatten(figures))) peaks[key] = Math.max(peaks[key] ?? 0, value);
  };

  const { maxConnectionsPerRoom, sessions: options } = ABUSED_ROUTE;
  /**
   * The client's own dropped session it has left longest, not on a connection now (with `unfilled`, one not yet full,
   * if any).
   */
  const oldest = (unfilled = false): OwnSession | undefined => {
    let found: OwnSession | undefined;
    for (const session of sessions.values()) {
      if (session.busy || (unfilled && session.kept >= options.maxUnacknowledged)) continue;
      if (found === undefined || session.touched < found.touched) found = session;
    }
    return unfilled ? (found ?? oldest()) : found;
  };

  /** Opens a session connection, new or resuming `resuming`, and waits for its welcome; undefined if refused or cut. */
  const open = async (
    resuming: OwnSession | undefined,
  ): Promise<{ socket: AbusiveSocket; session: OwnSession } | undefined> => {
    if (resuming !== undefined) resuming.busy = true;
    activity.connections += 1;
    const socket = await AbusiveSocket.open(server, path, resuming?.id ?? null);
    if (!(socket instanceof AbusiveSocket)) activity.refused += 1;
    const welcome =
      socket instanceof AbusiveSocket && (await socket.until(() => socket.welcome !== null || socket.ended, 5000))
        ? socket.welcome
        : null;
    if (welcome === null) {
      if (socket instanceof AbusiveSocket) socket.destroy();
      if (resuming !== undefined) resuming.busy = false;
      return undefined;
    }
    const recovered = resuming !== undefined && welcome.recovered;
    if (resuming !== undefined) {
      activity.resumed += 1;
      if (recovered) activity.recovered += 1;
      else {
        // Ended by the library meanwhile: the welcome is of a new session.
        activity.lost += 1;
        // Left past maxUnacknowledged (closed with 1013): the resume that acknowledges nothing is refused.
        if (welcome.lost === "expired" && resuming.kept > options.maxUnacknowledged) activity.lostTooFarBehind += 1;
        sessions.delete(resuming.id);
      }
    }
    if (!recovered) activity.started += 1;
    const session = sessions.get(welcome.session) ?? { id: welcome.session, busy: true, kept: 0, touched: 0 };
    sessions.set(session.id, session);
    return { socket: socket as AbusiveSocket, session };
  };

  /**
   * Sends the connection's messages, waits for the handler to have them (`creep`'s one message more,
   * also for the server's close; giving up after 3 s without a frame), then drops it: TCP destroyed, no
   * close frame.
   */
  const sendAndDrop = async ({ socket, session }: { socket: AbusiveSocket; session: OwnSession }): Promise<void> => {
    const left = options.maxUnacknowledged - session.kept;
    const over = variant === "creep" && left <= 0;
    const count = variant === "churn" ? sizes.messagesPerConnection : over ? 1 : Math.max(0, left);
    for (let i = 0; i < count; i++) socket.send(String(++messageIds), text);
    activity.sent += count;
    await socket.until(() => (socket.processed >= count && (!over || socket.closeCode !== null)) || socket.ended, 3000);
    socket.destroy();
    session.kept += socket.processed;
    activity.processed += socket.processed;
    activity.directs += socket.directs;
    if (socket.closeCode === 1013) activity.closedTooFarBehind += 1;
    session.busy = false;
    session.touched = performance.now();
  };

  const deadline = performance.now() + sizes.seconds * 1000;
  const loop = async (): Promise<void> => {
    for (let turn = 0; performance.now() < deadline; turn++) {
      const resuming = variant === "churn" ? (turn % 2 === 1 ? oldest() : undefined) : oldest(true);
      const opened = await open(resuming);
      if (opened !== undefined) await sendAndDrop(opened);
    }
  };

  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      keep(await read());
      await sleep(sizes.sampleMs);
    }
  })();
  if (variant === "fill") {
    // Every session started while the others are still connected: an address's new session ends its oldest dropped ones
    // only.
    const opened = await Promise.all(Array.from({ length: maxConnectionsPerRoom }, () => open(undefined)));
    await Promise.all(opened.map((one) => (one === undefined ? undefined : sendAndDrop(one))));
  }
  await Promise.all(Array.from({ length: variant === "creep" ? 1 : sizes.concurrency }, loop));
  sampling = false;
  await sampler;

  // The end: once the object has done with what the client sent (two readings 250 ms apart agree).
  let end = await read();
  for (let tries = 0; tries < 40; tries++) {
    await sleep(250);
    const again = await read();
    const same = JSON.stringify(again) === JSON.stringify(end);
    end = again;
    if (same) break;
  }
  keep(end);
  const addresses = end.addresses.join(", ");
  if (end.addresses.some((address) => address === "(none)"))
    console.warn(
      `  abuse: sessions without a client address (${addresses}): maxResumablePerClient does not apply to them`,
    );
  return {
    ...Object.fromEntries(Object.entries(peaks).map(([key, value]) => [`peak.${key}`, value])),
    ...Object.fromEntries(Object.entries(flatten(end)).map(([key, value]) => [`end.${key}`, value])),
    ...Object.fromEntries(Object.entries(activity).map(([key, value]) => [`client.${key}`, value])),
    "client.sessionsKnown": sessions.size,
    addresses: end.addresses.length,
    "route.maxConnectionsPerRoom": maxConnectionsPerRoom,
    "route.maxUnacknowledged": options.maxUnacknowledged,
    "route.maxUnacknowledgedBytes": options.maxUnacknowledgedBytes,
    "route.maxResumablePerClient": options.maxResumablePerClient,
  };
}

/** The numeric figures of a reading: ABUSE_FIGURES and `rows.<table>`. */
function flatten(figures: AbuseStorage): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const key of ABUSE_FIGURES) flat[key] = figures[key];
  for (const [table, rows] of Object.entries(figures.rows)) flat[`rows.${table}`] = rows;
  return flat;
}
