import { MAX_CLOSE_REASON_BYTES, isSendableCloseCode } from "../src/shared/close-code.js";
import type { ResolvedLimits } from "../src/shared/limits.js";
import { decodeParams } from "../src/shared/path-params.js";
import type { ReadonlyData } from "../src/shared/readonly-data.js";
import { deepFreeze } from "../src/shared/readonly-data.js";
import type { RoomAddress, RoomPart } from "../src/shared/room-address.js";
import { describeAddress, objectName, parseObjectName } from "../src/shared/room-address.js";
import type { LogPosition, LostReason } from "../src/shared/session-protocol.js";
import { SESSION_PROTOCOL, resumeRequestIn } from "../src/shared/session-protocol.js";
import { jsonBytes, truncateUtf8 } from "../src/shared/utf8.js";
import { AlarmSchedule } from "./alarm-schedule.js";
import type { Ending, Handshake } from "./connection.js";
import { Connection } from "./connection.js";
import { runInRoomObject } from "./current-room.js";
import { WebSocketDisconnect, WebSocketError } from "./errors.js";
import type { HostedRoute, RouteTable } from "./handler.js";
import { HeaderStore } from "./header-store.js";
import { HeldSockets, countHeld, isRefusal } from "./held-sockets.js";
import { HistoryHolds } from "./history-holds.js";
import type { Violation } from "./inbound-limits.js";
import type { HistoryEntry, HistoryQuery, LogRead } from "./history.js";
import { RoomHistory, readLog } from "./history.js";
import { RoomLog } from "./log.js";
import { Membership } from "./membership.js";
import type { Frame, OutgoingFrame } from "./message.js";
import type { Delivery } from "./outbox.js";
import { Outbox } from "./outbox.js";
import { CLOSED, OPEN } from "../src/shared/ready-state.js";
import type { ConnectionRecord } from "./record.js";
import { MAX_ROOM_NAME_BYTES, parseHeaderBlock, readRecord } from "./record.js";
import type { RoomMember, RoomMemberInfo } from "./room-member.js";
import { roomMember } from "./room-member.js";
import { historyOf } from "./room-registry.js";
import { Sequencer } from "./sequencer.js";
import type { ShardRpc } from "./shard-protocol.js";
import { resolveShards } from "./shard-protocol.js";
import { SessionLinks } from "./session-links.js";
import { ShardRole } from "./shard-role.js";
import { readUpgrade } from "./upgrade-request.js";
import { ServerWebSocket } from "./websocket.js";

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
  /** Whether any route has sessions (else no socket can carry one, and the SQL storage is never touched for them). */
  readonly hasSessions: boolean;
  /** The name of the room namespace binding: the objects of a sharded room find each other through it. */
  readonly binding: string;
}

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
  readonly #links: SessionLinks;
  /** The rooms' logs (in a shard, the copies its sessions replay from); SQL is touched on first use only. */
  readonly #history: RoomHistory;
  readonly #holds = new HistoryHolds();
  /** This object's part of a room that spans several objects, if it is one: a shard, or the sequencer. */
  readonly #shard: ShardRole | null = null;
  readonly #sequencer: Sequencer | null = null;
  readonly #address: RoomAddress | null;

  constructor(ctx: DurableObjectState, env: unknown, app: RoomApp) {
    this.#ctx = ctx;
    this.#env = env;
    this.#app = app;
    this.#held = new HeldSockets(ctx, app.limits);
    this.#outbox = new Outbox(app.limits);
    this.#storedHeaders = new HeaderStore(ctx);
    this.#alarms = new AlarmSchedule(ctx.storage, () => this.#earliestDeadline());
    this.#history = new RoomHistory(ctx.storage.sql);
    const address = parseObjectName(ctx.id.name);
    this.#address = address;
    this.#log = new RoomLog(address === null ? (ctx.id.name ?? ctx.id.toString()) : describeAddress(address), app.verbose);
    const part = address?.part;
    const shardIndex = part !== undefined && "shard" in part ? part.shard : null;
    // Whether any route has sessions is read once, when all routes are registered.
    this.#links = new SessionLinks(
      {
        ctx,
        running: (socket) => this.#running.get(socket),
        connectionOf: (socket) => this.#running.get(socket) ?? this.#resume(socket),
        recordOf: (socket) => this.#recordOf(socket),
        send: (socket, frame) => this.send(socket, frame),
        sessionsOf: (route) => app.router.getRoute(route)?.sessions ?? null,
        closeForLibrary: (connection, code, reason) => this.#closeForLibrary(connection, { code, reason }),
        wakeAt: (time) => this.#alarms.wakeAt(time),
        shard: shardIndex,
        history: this.#history,
        sessionsChanged: () => this.#shard?.connectionsChanged(),
      },
      // A shard serves its group's routes only; any other object, any route.
      shardIndex === null ? app.hasSessions : app.router.hasSessionsIn(address?.group ?? ""),
    );
    if (part !== undefined && address !== null) {
      const warn = (message: string): void => this.#log.warn(message);
      if ("shard" in part) {
        this.#shard = new ShardRole({
          kv: ctx.storage.kv,
          index: part.shard,
          stubOf: (other) => this.#partStub(other),
          local: this,
          wakeAt: (time) => this.#alarms.wakeAt(time),
          warn,
        });
      } else {
        const options = app.router.shardsOf(address.group ?? "");
        this.#sequencer = new Sequencer({
          sql: ctx.storage.sql,
          history: this.#history,
          options: options ?? resolveShards(true),
          shard: (index) => this.#partStub({ shard: index }) as unknown as ShardRpc,
          wakeAt: (time) => this.#alarms.wakeAt(time),
          warn,
        });
      }
    }
  }

  /** The upgrade request the Worker forwarded: resolves when the handler accepts or refuses. */
  upgrade(request: Request): Promise<Response> {
    const refused = (status: number, message: string, headers?: Record<string, string>): Promise<Response> =>
      Promise.resolve(new Response(message, { status, ...(headers === undefined ? {} : { headers }) }));
    const upgrade = readUpgrade(request, this.#app);
    if (isRefusal(upgrade)) {
      this.#shard?.settled();
      return refused(upgrade.status, upgrade.message);
    }
    const { route, params, headers, storedHeaders, protocols } = upgrade;
    // A client that negotiates sessions on a route with sessions, and perhaps resumes one: then the
    // connection takes back the session's id, data and rooms before its handler runs.
    const sessionOffered = route.sessions !== null && protocols.includes(SESSION_PROTOCOL);
    const resume = sessionOffered ? resumeRequestIn(protocols) : null;
    const { recovery, record } = resume === null || route.sessions === null ? { recovery: null, record: upgrade.record } : this.#links.recover(resume, upgrade.record);
    const capacity = this.#shard === null ? undefined : route.shards?.maxConnections;
    // A shard keeps a place for each session that may resume in it (a resume claims its own at once);
    // the sockets this resume supersedes give theirs to it.
    const superseded = recovery !== null && "session" in recovery ? countHeld(this.#ctx.getWebSockets(record.id)) : 0;
    const kept = this.#shard === null ? 0 : this.#links.counts().resumable - superseded;
    const reservation = this.#held.reserve(upgrade.record.clientHost, capacity, kept);
    if (isRefusal(reservation)) {
      this.#links.release(recovery);
      this.#shard?.settled();
      return refused(reservation.status, reservation.message, reservation.headers);
    }
    const { 0: client, 1: server } = new WebSocketPair();
    return new Promise<Response>((resolve) => {
      const handshake: Handshake = {
        accept: (responseHeaders) => {
          if (storedHeaders !== null) this.#storedHeaders.keep(record.id, storedHeaders);
          // A resumed session reuses its id: what an older connection of it kept is not this one's.
          else if (recovery !== null && "session" in recovery) this.#storedHeaders.drop(record.id);
          const opening = sessionOffered ? this.#links.open(connection, recovery) : null;
          // The id as a tag lets RPC broadcasts exclude ids without reading every attachment.
          this.#ctx.acceptWebSocket(server, [record.id, ...reservation.tags, ...(opening?.tags ?? [])]);
          this.#held.accepted(reservation);
          this.#shard?.settled();
          this.#log.connected(record);
          let replayCut = false;
          if (opening !== null) {
            // The welcome and what the client missed go first; live broadcasts follow once it is a member again.
            replayCut = opening.frames.some((frame) => this.#outbox.send(server, frame) !== "sent");
            for (const room of record.rooms) this.#members().add(room, record.id, server);
          }
          resolve(new Response(null, { status: 101, webSocket: client, headers: responseHeaders }));
          // More to replay than the outbound budget allows: the replay stops at the first frame that does
          // not fit (the client must see no gap), and once accepted the connection closes (1013); the
          // client resumes from what it got, on a new socket with a new budget.
          if (replayCut) queueMicrotask(() => this.#closeForLibrary(connection, this.#outbox.overBudget));
        },
        refuse: (status, message) => {
          reservation.release();
          this.#links.release(recovery);
          this.#shard?.settled();
          resolve(new Response(message, { status }));
        },
      };
      const session = { offered: sessionOffered, recovered: recovery !== null && "session" in recovery };
      const connection = new Connection({ record, params, headers, socket: server, owner: this, limits: this.#app.limits, handshake, session });
      this.#run(connection, route);
    });
  }

  message(socket: WebSocket, frame: Frame): Promise<void> | undefined {
    const connection = this.#running.get(socket) ?? this.#resume(socket);
    // After the server's close, frames still in flight from the client are not the handler's.
    if (connection === undefined || !connection.isOpen) return undefined;
    const { session } = connection.record;
    const violation = session === null ? connection.deliver(frame) : this.#links.receive(connection, session, frame);
    if (violation !== undefined) this.#closeForLibrary(connection, violation);
    return connection.queue.untaken();
  }

  closed(socket: WebSocket, code: number, reason: string): Promise<void> | undefined {
    answerClose(socket, code, reason);
    // A socket the server was closing is let go only now: a shard's held count changes.
    this.#shard?.connectionsChanged();
    return this.#ended(socket, code, reason);
  }

  /** The socket failed: nothing to answer, the handler sees an abnormal closure. */
  errored(socket: WebSocket, error: unknown): Promise<void> | undefined {
    this.#shard?.connectionsChanged();
    return this.#ended(socket, 1006, error instanceof Error ? error.message : String(error));
  }

  // Sending: every frame to a client goes through the outbox and its budgets.

  /** Sends to one connection alone: for a session client, numbered and kept until it acknowledges. */
  sendDirect(socket: WebSocket, frame: OutgoingFrame): Delivery {
    const session = this.#links.sessionOf(socket);
    return session === null ? this.send(socket, frame) : this.#links.sendDirect(socket, session, frame);
  }

  /** Sends to one connection; one over its outbound budget is closed under its handler (1013). */
  send(socket: WebSocket, frame: OutgoingFrame): Delivery {
    const delivery = this.#outbox.send(socket, frame);
    if (delivery === "over-budget") {
      const connection = this.#running.get(socket) ?? this.#resume(socket);
      if (connection !== undefined) this.#closeForLibrary(connection, this.#outbox.overBudget);
    }
    return delivery;
  }

  /** The library closes a connection under its handler (a limit, a backlog), logged with its reason. */
  #closeForLibrary(connection: Connection, { code, reason }: Violation): void {
    if (!connection.isOpen) return;
    this.#log.closedByLibrary(connection.record, code, reason);
    connection.closeUnder(code, reason);
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
    this.#sequencer?.retry(now);
    this.#shard?.reportIfDue();
    const nextExpiry = this.#links.sweep(now);
    if (nextExpiry !== null) this.#alarms.wakeAt(nextExpiry);
    for (const connection of this.#running.values()) connection.queue.expire(now);
    for (const socket of this.#ctx.getWebSockets()) {
      const deadline = this.#deadlineOf(socket);
      if (deadline === null) continue;
      if (deadline <= now && !this.#running.has(socket)) this.#resume(socket);
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
    this.sessionChanged(connection);
    this.#links.joined(connection, room, true);
  }

  leave(room: string, connection: Connection): void {
    const { record } = connection;
    const index = record.rooms.indexOf(room);
    if (index === -1) return;
    record.rooms.splice(index, 1);
    this.#members().remove(room, record.id, connection.socket);
    if (!connection.isOpen) return;
    connection.persist();
    this.sessionChanged(connection);
    this.#links.joined(connection, room, false);
  }

  /** Called once by a connection the server closed or the client left: it is in no room any more (its session may go on). */
  forget(connection: Connection, ending: Ending): void {
    const { record } = connection;
    if (this.#membership !== null) for (const room of record.rooms) this.#membership.remove(room, record.id, connection.socket);
    this.#shard?.connectionsChanged();
    this.#links.ended(connection, ending);
  }

  /** A session connection's data or rooms changed while it is open: its session keeps them for a resume. */
  sessionChanged(connection: Connection): void {
    this.#links.changed(connection);
  }

  members(room: string): ReadonlyMap<string, WebSocket> {
    return this.#members().members(room);
  }

  /** The members of a room as handles, with their `ws.data`; in a sharded room, those of every shard. */
  memberHandles<Data>(room: string): RoomMember<Data>[] | Promise<RoomMember<Data>[]> {
    if (this.#shard !== null) return this.#shard.memberHandles<Data>(room);
    return [...this.members(room)].map(([id, socket]) => this.localMember<Data>(id, socket, this.dataOf(socket)));
  }

  /** A member held by this object, as a handle. */
  localMember<Data>(id: string, socket: WebSocket, data: unknown): RoomMember<Data> {
    return roomMember<Data>(this, id, socket, data as ReadonlyData<Data> | undefined);
  }

  /** Every open connection of the object, with its `ws.data` (for app.room(...).getConnections()). */
  memberInfos(): RoomMemberInfo[] {
    return [...this.sockets()].map(([id, socket]) => ({ id, data: this.dataOf(socket) }));
  }

  /** How many members a room has; in a sharded room, in all its shards. */
  size(room: string): number | Promise<number> {
    return this.#shard === null ? this.#members().size(room) : this.#shard.size(room);
  }

  /** Closes every member of a room; in a sharded room, in all its shards, in the room's order. */
  closeAll(room: string, code: number, reason: string): number | Promise<number> {
    if (this.#shard !== null) return this.#shard.close(room, code, reason);
    const sockets = [...this.members(room).values()];
    for (const socket of sockets) this.close(socket, code, reason);
    return sockets.length;
  }

  /**
   * Sends to every member but the excluded; members whose socket is gone are dropped. Returns how many
   * it reached. A room with history logs the broadcast first (in the same turn: the output gate holds
   * the sends until the log is durable); session members get it in an envelope with its place in the log.
   */
  broadcast(room: string, frame: OutgoingFrame, exclude: ReadonlySet<string> | undefined): number | Promise<number> {
    // In a sharded room the room's sequencer gives the broadcast its place, then every shard delivers it.
    if (this.#shard !== null) return this.#shard.publish(room, frame, exclude ?? []);
    const options = historyOf(room);
    const position = options === null ? null : this.#history.append(room, frame, options, [...(exclude ?? [])]);
    return this.deliverLocally(room, frame, exclude, position);
  }

  /** Delivers a broadcast to this object's members of a room (its place in the log already known). */
  deliverLocally(room: string, frame: OutgoingFrame, exclude: ReadonlySet<string> | undefined, position: LogPosition | null): number {
    const membership = this.#members();
    let envelope: string | undefined;
    let sent = 0;
    // One pass: a member whose socket has died is dropped here, as it is met.
    for (const [id, socket] of membership.current(room)) {
      if (socket.readyState !== OPEN) {
        membership.remove(room, id, socket);
        continue;
      }
      if (exclude?.has(id)) continue;
      let out: OutgoingFrame = frame;
      if (this.#links.sessionOf(socket) !== null) {
        envelope ??= this.#links.envelope(room, position, frame);
        out = envelope;
        if (position !== null && this.#links.roomBacklogOver(socket, id, room, position.offset)) continue;
      }
      if (this.#holds.hold(socket, room, position, out)) {
        sent += 1;
        continue;
      }
      const delivery = this.send(socket, out);
      if (delivery === "sent") sent += 1;
      else if (delivery === "closed") membership.remove(room, id, socket);
    }
    return sent;
  }

  /** A room's log: the last entries, or those after a position; with its epoch. */
  history(room: string, query: HistoryQuery): LogRead | Promise<LogRead> {
    const options = historyOf(room);
    if (options === null) throw new WebSocketError(`The room "${room}" keeps no history: make it with new WebSocketRoom("${room}", { history: ... })`);
    // A sharded room's one log is its sequencer's.
    if (this.#shard !== null) return this.#shard.history(room, query).then((read) => complete(read, query));
    return complete(readLog(this.#history, room, options, query), query);
  }

  /**
   * Sends a room's history to one connection, in the envelope its client expects; resolves with how
   * many entries were sent. In a sharded room the log is read over RPC: meanwhile the room's live
   * broadcasts to this connection are held back, to follow the history in order.
   */
  async sendHistory(room: string, connection: Connection, query: HistoryQuery): Promise<number> {
    const read = this.history(room, query);
    if (!(read instanceof Promise)) return this.#sendEntries(room, connection, read.entries, read.epoch);
    const { socket } = connection;
    const holding = this.#holds.start(socket, room);
    let last: LogPosition | null = null;
    try {
      const { epoch, entries } = await read;
      const newest = entries.at(-1);
      if (newest !== undefined) last = { epoch, offset: newest.offset };
      return this.#sendEntries(room, connection, entries, epoch);
    } finally {
      if (holding) for (const frame of this.#holds.release(socket, room, last)) if (connection.isOpen) this.send(socket, frame);
    }
  }

  #sendEntries(room: string, connection: Connection, entries: readonly HistoryEntry[], epoch: string): number {
    let sent = 0;
    for (const entry of entries) {
      const out = connection.record.session === null ? entry.data : this.#links.envelope(room, { epoch, offset: entry.offset }, entry.data);
      if (connection.isOpen && this.send(connection.socket, out) === "sent") sent += 1;
    }
    return sent;
  }

  clearHistory(room: string): void | Promise<void> {
    if (historyOf(room) === null) return undefined;
    if (this.#shard !== null) return this.#shard.clearHistory(room);
    this.#history.clear(room);
    return undefined;
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
    let envelope: string | undefined;
    let sent = 0;
    for (const [id, socket] of [...this.sockets()]) {
      if (exclude.has(id)) continue;
      const out = this.#links.sessionOf(socket) === null ? frame : (envelope ??= this.#links.envelope("", null, frame));
      if (this.send(socket, out) === "sent") sent += 1;
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

  // A room that spans several objects: this object is one of its shards, or its sequencer.

  /** The stub of another object of this sharded room. */
  #partStub(part: RoomPart): DurableObjectStub {
    const namespace = (this.#env as Record<string, DurableObjectNamespace>)[this.#app.binding];
    if (namespace === undefined || this.#address === null) throw new Error(`No Durable Object binding "${this.#app.binding}" for the room's other objects`);
    return namespace.get(namespace.idFromName(objectName({ group: this.#address.group, room: this.#address.room, part })));
  }

  /** This object as a shard or as the sequencer of a sharded room (for their RPC methods), or null. */
  get shard(): ShardRole | null {
    return this.#shard;
  }

  get sequencer(): Sequencer | null {
    return this.#sequencer;
  }

  /** The open socket of a connection id. */
  socketOf(id: string): WebSocket | undefined {
    return this.#ctx.getWebSockets(id).find((socket) => socket.readyState === OPEN);
  }

  openCount(): number {
    return this.#ctx.getWebSockets().filter((socket) => socket.readyState === OPEN).length;
  }

  socketCounts(): { open: number; held: number } {
    const sockets = this.#ctx.getWebSockets();
    return { open: sockets.filter((socket) => socket.readyState === OPEN).length, held: countHeld(sockets) };
  }

  closeSessions(code: number, reason: string): void {
    for (const socket of this.#ctx.getWebSockets()) {
      if (socket.readyState === OPEN && this.#links.sessionOf(socket) !== null) this.close(socket, code, reason);
    }
  }

  sessionCounts(): { sessions: number; resumable: number } {
    return this.#links.counts();
  }

  copyToLog(room: string, position: LogPosition, frame: OutgoingFrame, exclude: readonly string[]): void {
    this.#links.copied(room, position, frame, exclude);
  }

  restartLog(room: string, head: LogPosition): void {
    this.#links.restarted(room, head);
  }

  #members(): Membership {
    return (this.#membership ??= new Membership(this.#ctx.getWebSockets(), (socket) => this.#recordOf(socket)));
  }

  /** A connection's `ws.data`, frozen, from memory or its attachment. */
  dataOf<Data>(socket: WebSocket): ReadonlyData<Data> | undefined {
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

  /** The earliest time the library needs the object awake: a receive deadline, a session expiring (read after a wake, before the alarm is armed again). */
  #earliestDeadline(): number | null {
    let earliest = this.#links.nextExpiry();
    for (const socket of this.#ctx.getWebSockets()) {
      const deadline = this.#deadlineOf(socket);
      if (deadline !== null && (earliest === null || deadline < earliest)) earliest = deadline;
    }
    return earliest;
  }

  /** A socket's next receive deadline: its running handler's, or the one its record keeps while dormant. */
  #deadlineOf(socket: WebSocket): number | null {
    const running = this.#running.get(socket);
    return running === undefined ? this.#dormantDeadline(socket) : running.queue.nextDeadline();
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
    // A handler that ends has ended its connection: what was kept for it in storage goes too (unless
    // a newer connection carries its session, and its id, on).
    if (connection.record.headers === null && !connection.superseded) this.#storedHeaders.drop(connection.record.id);
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

/** The entries read, or the error that says why those after the query's position cannot all be given. */
function complete(read: LogRead | { readonly lost: LostReason }, query: HistoryQuery): LogRead {
  if ("lost" in read) throw new WebSocketError(`The room's history since offset ${query.since?.offset} is incomplete (${read.lost})`);
  return read;
}
