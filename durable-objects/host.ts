import { MAX_CLOSE_REASON_BYTES, isSendableCloseCode } from "../src/shared/close-code.js";
import type { ResolvedLimits } from "../src/shared/limits.js";
import { decodeParams } from "../src/shared/path-params.js";
import { describeAddress, parseObjectName } from "../src/shared/room-address.js";
import { truncateUtf8 } from "../src/shared/utf8.js";
import type { Handshake } from "./connection.js";
import { AlarmSchedule } from "./alarm-schedule.js";
import { Connection } from "./connection.js";
import { runInRoomObject } from "./current-room.js";
import { WebSocketDisconnect, WebSocketError } from "./errors.js";
import type { HostedRoute, RouteTable } from "./handler.js";
import { HeaderStore } from "./header-store.js";
import { HeldSockets, isRefusal } from "./held-sockets.js";
import { RoomLog } from "./log.js";
import { Membership } from "./membership.js";
import type { RoomMember, RoomMemberInfo } from "./room-member.js";
import { roomMember } from "./room-member.js";
import type { ReadonlyData } from "../src/shared/readonly-data.js";
import { deepFreeze } from "../src/shared/readonly-data.js";
import type { Frame } from "./message.js";
import type { Delivery } from "./outbox.js";
import { Outbox } from "./outbox.js";
import type { ConnectionRecord } from "./record.js";
import { MAX_ROOM_NAME_BYTES, jsonBytes, parseHeaderBlock, readRecord } from "./record.js";
import { readUpgrade } from "./upgrade-request.js";
import { ServerWebSocket } from "./websocket.js";

const OPEN = 1;
const CLOSED = 3;
/** The code a close frame without a code is reported with; it never travels in a frame. */
const NO_STATUS_RECEIVED = 1005;
const PROTOCOL_ERROR = 1002;

/** What a room object needs from the app that made it. */
export interface RoomApp {
  readonly router: RouteTable;
  readonly limits: ResolvedLimits;
  /** Whether the app has `authorize`: then every upgrade carries its admission from the Worker. */
  readonly admits: boolean;
  /** Log every connect, resume and close, not only failures. */
  readonly verbose: boolean;
}

type OutgoingFrame = string | ArrayBuffer | ArrayBufferView;

/**
 * The in-memory side of one room object: the connections whose handlers are running, the room
 * membership index, and the hibernation events. Everything here can be rebuilt from the sockets'
 * attachments (and the headers kept in storage), which is what happens after a wake.
 */
export class RoomHost {
  readonly #ctx: DurableObjectState;
  readonly #env: unknown;
  readonly #app: RoomApp;
  readonly #log: RoomLog;
  /** Connections whose handler is running, by their server socket. */
  readonly #running = new Map<WebSocket, Connection>();
  #membership: Membership | null = null;
  readonly #held: HeldSockets;
  readonly #outbox: Outbox;
  readonly #storedHeaders: HeaderStore;
  readonly #alarms: AlarmSchedule;

  constructor(ctx: DurableObjectState, env: unknown, app: RoomApp) {
    this.#ctx = ctx;
    this.#env = env;
    this.#app = app;
    this.#held = new HeldSockets(ctx, app.limits);
    this.#outbox = new Outbox(app.limits);
    this.#storedHeaders = new HeaderStore(ctx);
    this.#alarms = new AlarmSchedule(ctx.storage, () => this.#earliestDeadline());
    const address = parseObjectName(ctx.id.name);
    this.#log = new RoomLog(address === null ? (ctx.id.name ?? ctx.id.toString()) : describeAddress(address), app.verbose);
  }

  /** The upgrade request the Worker forwarded: resolves when the handler accepts or refuses. */
  upgrade(request: Request): Promise<Response> {
    const refused = (status: number, message: string): Promise<Response> => Promise.resolve(new Response(message, { status }));
    const upgrade = readUpgrade(request, this.#app);
    if (isRefusal(upgrade)) return refused(upgrade.status, upgrade.message);
    const { record, route, params, headers, storedHeaders } = upgrade;
    const reservation = this.#held.reserve(record.clientHost);
    if (isRefusal(reservation)) return refused(reservation.status, reservation.message);
    const { 0: client, 1: server } = new WebSocketPair();
    return new Promise<Response>((resolve) => {
      const handshake: Handshake = {
        accept: (responseHeaders) => {
          if (storedHeaders !== null) this.#storedHeaders.keep(record.id, storedHeaders);
          // The id as a tag lets RPC broadcasts exclude ids without reading every attachment.
          this.#ctx.acceptWebSocket(server, [record.id, ...reservation.tags]);
          this.#held.accepted(reservation);
          this.#log.connected(record);
          resolve(new Response(null, { status: 101, webSocket: client, headers: responseHeaders }));
        },
        refuse: (status, message) => {
          reservation.release();
          resolve(new Response(message, { status }));
        },
      };
      this.#run(new Connection({ record, params, headers, socket: server, owner: this, limits: this.#app.limits, handshake }), route);
    });
  }

  message(socket: WebSocket, frame: Frame): Promise<void> | undefined {
    const connection = this.#running.get(socket) ?? this.#resume(socket);
    // After the server's close, frames still in flight from the client are not the handler's.
    if (connection === undefined || !connection.isOpen) return undefined;
    const violation = connection.deliver(frame);
    if (violation !== undefined) {
      this.#log.closedByLibrary(connection.record, violation.code, violation.reason);
      connection.closeUnder(violation.code, violation.reason);
    }
    return connection.queue.untaken();
  }

  closed(socket: WebSocket, code: number, reason: string): Promise<void> | undefined {
    answerClose(socket, code, reason);
    return this.#ended(socket, code, reason);
  }

  /** The socket failed: nothing to answer, the handler sees an abnormal closure. */
  errored(socket: WebSocket, error: unknown): Promise<void> | undefined {
    return this.#ended(socket, 1006, error instanceof Error ? error.message : String(error));
  }

  // Sending: every frame to a client goes through the outbox and its budgets.

  /** Sends to one connection; one over its outbound budget is closed under its handler (1013). */
  send(socket: WebSocket, frame: OutgoingFrame): Delivery {
    const delivery = this.#outbox.send(socket, frame);
    if (delivery === "over-budget") {
      const { code, reason } = this.#outbox.overBudget;
      const connection = this.#running.get(socket) ?? this.#resume(socket);
      if (connection !== undefined) this.#log.closedByLibrary(connection.record, code, reason);
      connection?.closeUnder(code, reason);
    }
    return delivery;
  }

  // Deadlines of receives with a timeout, kept by the object's alarm so that waiting does not keep it awake.

  wakeAt(deadline: number): void {
    this.#alarms.wakeAt(deadline);
  }

  /**
   * The object's alarm fired: pending receives whose deadline has come give up, and dormant connections
   * whose deadline came while the object slept resume to get their TimeoutError. Then the app's own
   * alarm handler runs, if the app's alarm is due (inside this room object, so its rooms work there).
   */
  async alarm(appAlarm: (() => unknown) | undefined): Promise<void> {
    const now = Date.now();
    const appDue = this.#alarms.fired(now);
    for (const connection of this.#running.values()) connection.queue.expire(now);
    for (const socket of this.#ctx.getWebSockets()) {
      const running = this.#running.get(socket);
      const deadline = running === undefined ? this.#dormantDeadline(socket) : running.queue.nextDeadline();
      if (deadline === null) continue;
      if (deadline <= now && running === undefined) this.#resume(socket);
      else this.#alarms.wakeAt(deadline);
    }
    if (!appDue || appAlarm === undefined) {
      this.#alarms.rearm();
      return;
    }
    // If the app's handler throws, the runtime retries the alarm: its time stays until it succeeds.
    await runInRoomObject(this, appAlarm);
    this.#alarms.appRan(now);
  }

  // Rooms, for WebSocketRoom.

  join(room: string, connection: Connection): void {
    const { record } = connection;
    if (record.rooms.includes(room)) return;
    if (this.#running.get(connection.socket) !== connection) {
      throw new WebSocketError("This connection belongs to another room object (or its handler has ended)");
    }
    if (!connection.isOpen) throw new WebSocketError(`Cannot join room "${room}": the connection is ${connection.state}`);
    if (jsonBytes([...record.rooms, room]) > MAX_ROOM_NAME_BYTES) {
      throw new WebSocketError(`Cannot join room "${room}": the names of the rooms one connection joins may take at most ${MAX_ROOM_NAME_BYTES} bytes`);
    }
    const membership = this.#members();
    record.rooms.push(room);
    try {
      connection.persist();
    } catch (error) {
      record.rooms.pop();
      throw error;
    }
    membership.add(room, record.id, connection.socket);
  }

  leave(room: string, connection: Connection): void {
    const { record } = connection;
    const index = record.rooms.indexOf(room);
    if (index === -1) return;
    record.rooms.splice(index, 1);
    if (connection.isOpen) connection.persist();
    this.#members().remove(room, record.id);
  }

  /** Called once by a connection the server closed or the client left: it is in no room any more. */
  forget(connection: Connection): void {
    if (this.#membership === null) return;
    for (const room of connection.record.rooms) this.#membership.remove(room, connection.record.id);
  }

  members(room: string): ReadonlyMap<string, WebSocket> {
    return this.#members().members(room);
  }

  /** The members of a room as handles, with their `ws.data`. */
  memberHandles<Data>(room: string): RoomMember<Data>[] {
    return [...this.members(room)].map(([id, socket]) => roomMember<Data>(this, id, socket, this.#dataOf<Data>(socket)));
  }

  /** Every open connection of the object, with its `ws.data` (for app.room(...).getConnections()). */
  memberInfos(): RoomMemberInfo[] {
    return [...this.sockets()].map(([id, socket]) => ({ id, data: this.#dataOf(socket) }));
  }

  size(room: string): number {
    return this.#members().size(room);
  }

  /** Sends to every member but the excluded; members whose socket is gone are dropped. Returns how many it reached. */
  broadcast(room: string, frame: OutgoingFrame, exclude: ReadonlySet<string> | undefined): number {
    const membership = this.#members();
    let sent = 0;
    for (const [id, socket] of membership.members(room)) {
      if (exclude?.has(id)) continue;
      const delivery = this.send(socket, frame);
      if (delivery === "sent") sent += 1;
      else if (delivery === "closed") membership.remove(room, id);
    }
    return sent;
  }

  // The whole object, for app.room(env, name) over RPC.

  /** Open sockets with their connection ids, dormant ones included. */
  *sockets(): Generator<[id: string, socket: WebSocket]> {
    for (const socket of this.#ctx.getWebSockets()) {
      // A socket the server closed is CLOSING: only open ones are the app's.
      if (socket.readyState !== OPEN) continue;
      const id = this.#running.get(socket)?.record.id ?? this.#ctx.getTags(socket)[0];
      if (id !== undefined) yield [id, socket];
    }
  }

  /** Sends to every open connection of the object but the excluded ids; returns how many it reached. */
  broadcastAll(frame: OutgoingFrame, exclude: ReadonlySet<string>): number {
    let sent = 0;
    for (const [id, socket] of [...this.sockets()]) {
      if (!exclude.has(id) && this.send(socket, frame) === "sent") sent += 1;
    }
    return sent;
  }

  /** Closes a connection whether its handler runs or not; a dormant one's handler is resumed to see it. */
  close(socket: WebSocket, code: number, reason: string): void {
    (this.#running.get(socket) ?? this.#resume(socket))?.closeUnder(code, reason);
  }

  #ended(socket: WebSocket, code: number, reason: string): Promise<void> | undefined {
    const connection = this.#running.get(socket) ?? this.#resume(socket);
    if (connection === undefined) return undefined;
    this.#log.clientClosed(connection.record, code, reason);
    connection.remoteClosed(code, reason);
    return connection.queue.untaken();
  }

  #members(): Membership {
    return (this.#membership ??= new Membership(this.#ctx.getWebSockets(), (socket) => this.#recordOf(socket)));
  }

  #dataOf<Data>(socket: WebSocket): ReadonlyData<Data> | undefined {
    return deepFreeze(this.#recordOf(socket)?.data as Data | undefined);
  }

  #recordOf(socket: WebSocket): ConnectionRecord | null {
    return this.#running.get(socket)?.record ?? readRecord(socket);
  }

  /** The deadline a dormant connection's handler was waiting for, from its record. */
  #dormantDeadline(socket: WebSocket): number | null {
    const record = readRecord(socket);
    return record === null || record.closing ? null : record.deadline;
  }

  /** The earliest deadline of any connection (after a wake, before the alarm is armed again). */
  #earliestDeadline(): number | null {
    let earliest: number | null = null;
    for (const socket of this.#ctx.getWebSockets()) {
      const running = this.#running.get(socket);
      const deadline = running === undefined ? this.#dormantDeadline(socket) : running.queue.nextDeadline();
      if (deadline !== null && (earliest === null || deadline < earliest)) earliest = deadline;
    }
    return earliest;
  }

  /** A connection whose handler is not running (the object woke from hibernation): run it again. */
  #resume(socket: WebSocket): Connection | undefined {
    const record = readRecord(socket);
    if (record === null || record.closing) return undefined;
    const route = this.#app.router.getRoute(record.route);
    const rawParams = route === undefined ? undefined : this.#app.router.paramsOf(route, record.path);
    const params = rawParams === undefined ? null : decodeParams(rawParams);
    if (route === undefined || params === null) {
      this.#log.closedByLibrary(record, 1012, "its route no longer exists (was it renamed in a deploy?)");
      if (socket.readyState === OPEN) socket.close(1012, "Route no longer exists");
      return undefined;
    }
    const block = record.headers ?? this.#storedHeaders.read(record.id) ?? "";
    const connection = new Connection({ record, params, headers: parseHeaderBlock(block), socket, owner: this, limits: this.#app.limits });
    if (record.deadline !== null) {
      // The receive the handler was waiting in is gone with the old memory; the rerun waits anew. If
      // its deadline has passed (the object slept through it), the rerun's first receive gets the timeout.
      const now = Date.now();
      if (record.deadline <= now) connection.queue.timeoutDue(record.deadline, now);
      record.deadline = null;
      connection.persist();
    }
    this.#log.resumed(record);
    this.#run(connection, route);
    return connection;
  }

  #run(connection: Connection, route: HostedRoute): void {
    this.#running.set(connection.socket, connection);
    const ws = new ServerWebSocket(connection);
    runInRoomObject(this, () => invoke(route, ws, this.#env, this.#ctx)).then(
      () => this.#finished(connection),
      (error: unknown) => this.#finished(connection, error),
    );
  }

  #finished(connection: Connection, error?: unknown): void {
    this.#running.delete(connection.socket);
    if (error === undefined || error instanceof WebSocketDisconnect) {
      this.#log.handlerEnded(connection.record);
      connection.finish();
    } else {
      this.#log.handlerFailed(connection.record, error);
      connection.finish(error);
    }
    // A handler that ends has ended its connection: what was kept for it in storage goes too.
    if (connection.record.headers === null) this.#storedHeaders.drop(connection.record.id);
  }
}

async function invoke(route: HostedRoute, ws: ServerWebSocket, env: unknown, ctx: DurableObjectState): Promise<void> {
  await route.handler(ws, env as never, ctx);
}

/**
 * Completes the closing handshake: the runtime does not answer a hibernatable socket's close frame.
 * A socket that is already CLOSED (the client vanished: 1006) has nobody to answer. The reason is
 * echoed as far as it fits: invalid UTF-8 from the client decodes to U+FFFD, three bytes each.
 */
function answerClose(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === CLOSED) return;
  try {
    // 1005 means the client's frame had no code: answer with none either (sending 1005 throws).
    if (code === NO_STATUS_RECEIVED) socket.close();
    else if (isSendableCloseCode(code)) socket.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
    else socket.close(PROTOCOL_ERROR, "Invalid close code");
  } catch {
    // Already closed from our side: nothing to answer.
  }
}
