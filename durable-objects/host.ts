import { MAX_CLOSE_REASON_BYTES, isSendableCloseCode } from "../src/shared/close-code.js";
import type { ResolvedLimits } from "../src/shared/limits.js";
import { decodeParams } from "../src/shared/path-params.js";
import type { RoomAddress, RoomPart } from "../src/shared/room-address.js";
import { describeAddress, objectName, parseObjectName } from "../src/shared/room-address.js";
import { copyBytes } from "../src/shared/bytes.js";
import { Sequencer } from "./sequencer.js";
import { ShardLink } from "./shard-link.js";
import type { SequencerRpc, ShardMemberInfo, ShardRpc, StreamEntry } from "./shard-protocol.js";
import { resolveShards } from "./shard-protocol.js";
import { memberHandle } from "./room-member.js";
import { truncateUtf8 } from "../src/shared/utf8.js";
import type { Ending, Handshake } from "./connection.js";
import { AlarmSchedule } from "./alarm-schedule.js";
import { Connection } from "./connection.js";
import { runInRoomObject } from "./current-room.js";
import { WebSocketDisconnect, WebSocketError } from "./errors.js";
import type { HostedRoute, RouteTable } from "./handler.js";
import { HeaderStore } from "./header-store.js";
import { HeldSockets, isRefusal } from "./held-sockets.js";
import type { HistoryEntry } from "./history.js";
import type { Violation } from "./inbound-limits.js";
import { historyOf } from "./room-registry.js";
import type { Recovery } from "./sessions.js";
import { SUPERSEDED, Sessions, encode } from "./sessions.js";
import type { LogPosition } from "../src/shared/session-protocol.js";
import { SESSION_PROTOCOL, parseClientFrame, payloadData, resumeRequestIn } from "../src/shared/session-protocol.js";
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
import { CLOSED, OPEN } from "./ready-state.js";

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

/** A session client sent a frame that is not one of the protocol's. */
const INVALID_SESSION_FRAME: Violation = { code: 1007, reason: "Invalid session frame: see the session protocol" };

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
  /** Made on first use: plain apps never touch the SQL storage it needs. */
  #sessions: Sessions | null = null;
  /** Whether any route has sessions: read once, when all routes are registered. */
  readonly #hasSessions: boolean;
  /** This object's part of a room that spans several objects, if it is one: a shard, or the sequencer. */
  readonly #shard: ShardLink | null = null;
  readonly #shardIndex: number = -1;
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
    this.#hasSessions = app.hasSessions;
    const address = parseObjectName(ctx.id.name);
    this.#address = address;
    this.#log = new RoomLog(address === null ? (ctx.id.name ?? ctx.id.toString()) : describeAddress(address), app.verbose);
    const part = address?.part;
    if (part !== undefined && address !== null) {
      const warn = (message: string): void => this.#log.warn(message);
      if ("shard" in part) {
        this.#shardIndex = part.shard;
        this.#shard = new ShardLink({
          kv: ctx.storage.kv,
          shard: part.shard,
          sequencer: () => this.#partStub({ sequencer: true }) as unknown as SequencerRpc,
          apply: (entry) => this.#apply(entry),
          warn,
        });
      } else {
        const options = app.router.shardsOf(address.group ?? "");
        this.#sequencer = new Sequencer({
          sql: ctx.storage.sql,
          history: this.#sessionsFor().history,
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
    if (isRefusal(upgrade)) return refused(upgrade.status, upgrade.message);
    const { route, params, headers, storedHeaders, protocols } = upgrade;
    let { record } = upgrade;
    const capacity = this.#shard === null ? undefined : route.shards?.maxConnections;
    const reservation = this.#held.reserve(record.clientHost, capacity);
    if (isRefusal(reservation)) {
      if (this.#shard !== null) this.#shard.settled(this.#openCount());
      return refused(reservation.status, reservation.message, reservation.headers);
    }
    // A client that negotiates sessions on a route with sessions, and perhaps resumes one: then the
    // connection takes back the session's id, data and rooms before its handler runs.
    const sessionOffered = route.sessions !== null && protocols.includes(SESSION_PROTOCOL);
    const resume = sessionOffered ? resumeRequestIn(protocols) : null;
    const recovery = resume === null || route.sessions === null ? null : this.#sessionsFor().recover(resume, record.route, route.sessions);
    if (recovery !== null && "session" in recovery) {
      const { connection: id, state } = recovery.session;
      record = { ...record, id, data: state.data, rooms: [...state.rooms] };
    }
    const { 0: client, 1: server } = new WebSocketPair();
    return new Promise<Response>((resolve) => {
      const handshake: Handshake = {
        accept: (responseHeaders) => {
          if (storedHeaders !== null) this.#storedHeaders.keep(record.id, storedHeaders);
          const opening = sessionOffered ? this.#openSession(connection, recovery) : null;
          // The id as a tag lets RPC broadcasts exclude ids without reading every attachment.
          this.#ctx.acceptWebSocket(server, [record.id, ...reservation.tags, ...(opening?.tags ?? [])]);
          this.#held.accepted(reservation);
          this.#shard?.settled(this.#openCount());
          this.#log.connected(record);
          if (opening !== null) {
            // The welcome and what the client missed go first; live broadcasts follow once it is a member again.
            for (const frame of opening.frames) this.#outbox.send(server, frame);
            for (const room of record.rooms) this.#members().add(room, record.id, server);
          }
          resolve(new Response(null, { status: 101, webSocket: client, headers: responseHeaders }));
        },
        refuse: (status, message) => {
          reservation.release();
          this.#shard?.settled(this.#openCount());
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
    const violation = session === null ? connection.deliver(frame) : this.#sessionFrame(connection, session, frame);
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

  /** Sends to one connection alone: for a session client, numbered and kept until it acknowledges. */
  sendDirect(socket: WebSocket, frame: OutgoingFrame): Delivery {
    const session = this.#sessionOf(socket);
    if (session === null) return this.send(socket, frame);
    const delivery = this.send(socket, this.#sessionsFor().direct(session, frame));
    const running = this.#running.get(socket);
    const options = running === undefined ? null : this.#app.router.getRoute(running.record.route)?.sessions;
    if (running !== undefined && options && this.#sessionsFor().directBacklogOver(session, options)) this.#tooFarBehind(running);
    return delivery;
  }

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
    this.#sequencer?.retry(now);
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
    this.sessionChanged(connection);
    if (record.session !== null) this.#sessionsFor().joined(record.session, room, true);
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
    if (record.session !== null) this.#sessionsFor().joined(record.session, room, false);
  }

  /**
   * Called once by a connection the server closed or the client left: it is in no room any more. Its
   * session continues, to be resumed, when its client dropped or the server restarts (1012) or asks
   * it to come back later (1013); it ends when either side closes it for good.
   */
  forget(connection: Connection, ending: Ending): void {
    const { record } = connection;
    if (this.#membership !== null) for (const room of record.rooms) this.#membership.remove(room, record.id, connection.socket);
    this.#shard?.connectionsChanged(this.#openCount(connection.socket));
    if (record.session === null || connection.superseded) return;
    const continues = ending.byClient ? ending.code !== 1000 && ending.code !== 1001 : ending.code === 1012 || ending.code === 1013;
    const options = this.#app.router.getRoute(record.route)?.sessions;
    if (options) this.#sessionsFor().closed(record.session, record.id, continues, options);
  }

  /** A session connection's data or rooms changed while it is open: its session keeps them for a resume. */
  sessionChanged(connection: Connection): void {
    const { record } = connection;
    if (record.session !== null && connection.isOpen) this.#sessionsFor().store.saveState(record.session, { data: record.data, rooms: record.rooms });
  }

  members(room: string): ReadonlyMap<string, WebSocket> {
    return this.#members().members(room);
  }

  /** The members of a room as handles, with their `ws.data`; in a sharded room, those of every shard. */
  memberHandles<Data>(room: string): RoomMember<Data>[] | Promise<RoomMember<Data>[]> {
    if (this.#shard === null) return this.#localHandles<Data>(room);
    return this.#sequencerStub()
      .sequencerMembers(room)
      .then((members) => members.map(({ id, data, shard }) => this.#shardMember<Data>(id, data as ReadonlyData<Data> | undefined, shard)));
  }

  #localHandles<Data>(room: string): RoomMember<Data>[] {
    return [...this.members(room)].map(([id, socket]) => roomMember<Data>(this, id, socket, this.#dataOf<Data>(socket)));
  }

  /** Every open connection of the object, with its `ws.data` (for app.room(...).getConnections()). */
  memberInfos(): RoomMemberInfo[] {
    return [...this.sockets()].map(([id, socket]) => ({ id, data: this.#dataOf(socket) }));
  }

  /** How many members a room has; in a sharded room, in all its shards. */
  size(room: string): number | Promise<number> {
    return this.#shard === null ? this.#members().size(room) : this.#sequencerStub().sequencerSize(room);
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
    if (this.#shard !== null) return this.#shard.publish(room, toFrame(frame), [...(exclude ?? [])]);
    const position = historyOf(room) === null ? null : this.#sessionsFor().logged(room, frame, exclude ?? []);
    return this.#deliverBroadcast(room, frame, exclude, position);
  }

  /** Delivers a broadcast to this object's members of a room (its place in the log already known). */
  #deliverBroadcast(room: string, frame: OutgoingFrame, exclude: ReadonlySet<string> | undefined, position: LogPosition | null): number {
    const membership = this.#members();
    let envelope: string | undefined;
    let sent = 0;
    for (const [id, socket] of membership.members(room)) {
      if (exclude?.has(id)) continue;
      let out: OutgoingFrame = frame;
      if (this.#sessionOf(socket) !== null) {
        envelope ??= this.#sessionsFor().broadcastEnvelope(room, position, frame);
        out = envelope;
        if (position !== null && this.#roomBacklogOver(socket, id, room, position.offset)) continue;
      }
      const delivery = this.send(socket, out);
      if (delivery === "sent") sent += 1;
      else if (delivery === "closed") membership.remove(room, id, socket);
    }
    return sent;
  }

  /** A room's log: the last entries, or those after a position; with its epoch. */
  history(room: string, query: { last?: number; since?: LogPosition }): { epoch: string; entries: HistoryEntry[] } | Promise<{ epoch: string; entries: HistoryEntry[] }> {
    if (this.#shard !== null) {
      // A sharded room's one log is its sequencer's.
      if (query.since !== undefined) throw new WebSocketError("history({ since }) is not available in a sharded room: read the last entries");
      return this.#sequencerStub().sequencerHistory(room, query.last);
    }
    const options = historyOf(room);
    if (options === null) throw new WebSocketError(`The room "${room}" keeps no history: make it with new WebSocketRoom("${room}", { history: ... })`);
    const log = this.#sessionsFor().history;
    const { epoch } = log.head(room);
    if (query.since === undefined) return { epoch, entries: log.last(room, query.last ?? options.limit, options) };
    const missed = log.since(room, query.since, options);
    if ("lost" in missed) throw new WebSocketError(`The room's history since offset ${query.since.offset} is incomplete (${missed.lost})`);
    return { epoch, entries: [...missed.entries].slice(-(query.last ?? options.limit)) };
  }

  /** Sends history entries to one connection, in the envelope its client expects; returns how many. */
  sendHistory(room: string, connection: Connection, entries: readonly HistoryEntry[], epoch: string): number {
    let sent = 0;
    for (const entry of entries) {
      const out = connection.record.session === null ? entry.data : this.#sessionsFor().broadcastEnvelope(room, { epoch, offset: entry.offset }, entry.data);
      if (connection.isOpen && this.send(connection.socket, out) === "sent") sent += 1;
    }
    return sent;
  }

  clearHistory(room: string): void {
    if (historyOf(room) !== null) this.#sessionsFor().history.clear(room);
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
      const out = this.#sessionOf(socket) === null ? frame : (envelope ??= this.#sessionsFor().broadcastEnvelope("", null, frame));
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

  #sequencerStub(): SequencerRpc {
    return this.#partStub({ sequencer: true }) as unknown as SequencerRpc;
  }

  /** A member of this sharded room, held here or by another shard. */
  #shardMember<Data>(id: string, data: ReadonlyData<Data> | undefined, shard: number): RoomMember<Data> {
    const socket = shard === this.#shardIndex ? this.#socketOf(id) : undefined;
    if (socket !== undefined) return roomMember<Data>(this, id, socket, data);
    const stub = (): ShardRpc => this.#partStub({ shard }) as unknown as ShardRpc;
    return memberHandle<Data>(id, data, {
      send: async (frame) => stub().shardSend(id, toFrame(frame)),
      close: async (code, reason) => stub().shardCloseMember(id, code, reason),
    });
  }

  /** Applies one entry of the sharded room's stream to this shard's connections. */
  #apply(entry: StreamEntry): void {
    const exclude = new Set(entry.exclude);
    if (entry.kind === "close") {
      const sockets = entry.room === null ? [...this.sockets()].map(([, socket]) => socket) : [...this.members(entry.room).values()];
      for (const socket of sockets) this.close(socket, entry.code, entry.reason);
    } else if (entry.frame !== null) {
      if (entry.room === null) this.broadcastAll(entry.frame, exclude);
      else this.#deliverBroadcast(entry.room, entry.frame, exclude, entry.position);
    }
  }

  /** For the sequencer, over RPC. */
  get sequencer(): Sequencer | null {
    return this.#sequencer;
  }

  /** What a shard does for its sequencer, over RPC. */
  shardDeliver(entries: readonly StreamEntry[], from: number): number {
    if (this.#shard === null) throw new Error("This room object is not a shard");
    const applied = this.#shard.deliver(entries, from);
    // A shard that was reset has lost its connections: the sequencer hears of it here.
    this.#shard.connectionsChanged(this.#openCount());
    return applied;
  }

  shardMembers(room: string | null): ShardMemberInfo[] {
    const members = room === null ? [...this.sockets()] : [...this.members(room)];
    return members.map(([id, socket]) => ({ id, data: this.#dataOf(socket), shard: this.#shardIndex }));
  }

  shardSize(room: string | null): number {
    return room === null ? this.#openCount() : this.#members().size(room);
  }

  shardSend(id: string, frame: string | ArrayBuffer): boolean {
    const socket = this.#socketOf(id);
    return socket !== undefined && this.sendDirect(socket, frame) === "sent";
  }

  shardCloseMember(id: string, code: number, reason: string): void {
    const socket = this.#socketOf(id);
    if (socket !== undefined) this.close(socket, code, reason);
  }

  /** The open socket of a connection id. */
  #socketOf(id: string): WebSocket | undefined {
    return this.#ctx.getWebSockets(id).find((socket) => socket.readyState === OPEN);
  }

  /** Open sockets, not counting `leaving` (a connection that has just stopped being open). */
  #openCount(leaving?: WebSocket): number {
    return this.#ctx.getWebSockets().filter((socket) => socket !== leaving && socket.readyState === OPEN).length;
  }

  #sessionsFor(): Sessions {
    return (this.#sessions ??= new Sessions(this.#ctx));
  }

  /** The session a socket's connection carries, or null for a plain client (or an app without sessions). */
  #sessionOf(socket: WebSocket): string | null {
    const running = this.#running.get(socket);
    if (running !== undefined) return running.record.session;
    return this.#hasSessions ? this.#sessionsFor().sessionOf(socket) : null;
  }

  /**
   * Starts or resumes the session of a connection being accepted: an older socket still carrying the
   * session is closed (its client has moved on), and the welcome and replay are made.
   */
  #openSession(connection: Connection, recovery: Recovery | null): { tags: string[]; frames: string[] } {
    const { record } = connection;
    if (recovery !== null && "session" in recovery) {
      for (const old of this.#ctx.getWebSockets(record.id)) {
        const previous = this.#running.get(old) ?? this.#resume(old);
        if (previous === undefined) continue;
        previous.superseded = true;
        previous.closeUnder(SUPERSEDED.code, SUPERSEDED.reason);
      }
    }
    const sessions = this.#sessionsFor();
    const { session, frames } = sessions.open(connection.socket, record.id, record.route, { data: record.data, rooms: record.rooms }, recovery);
    record.session = session;
    connection.persist();
    return { tags: sessions.tagsFor(session), frames };
  }

  /** A frame from a session client: a message for the handler (processed once), or an acknowledgement. */
  #sessionFrame(connection: Connection, session: string, frame: Frame): Violation | undefined {
    const parsed = parseClientFrame(frame);
    if (parsed === null) return INVALID_SESSION_FRAME;
    const sessions = this.#sessionsFor();
    if (parsed.t === "a") {
      const violation = connection.checkInbound(frame);
      if (violation === undefined) sessions.acknowledge(session, connection.record.id, parsed.s, parsed.r);
      return violation;
    }
    const acknowledge = (): void => void this.send(connection.socket, encode({ t: "k", id: parsed.id }));
    if (sessions.store.processed(session, parsed.id)) {
      acknowledge();
      return connection.checkInbound(frame);
    }
    return connection.deliver(frame, payloadData(parsed), () => {
      sessions.store.remember(session, parsed.id, Date.now());
      acknowledge();
    });
  }

  #roomBacklogOver(socket: WebSocket, id: string, room: string, offset: number): boolean {
    const running = this.#running.get(socket);
    const options = running === undefined ? null : this.#app.router.getRoute(running.record.route)?.sessions;
    if (running === undefined || !options || !this.#sessionsFor().roomBacklogOver(id, room, offset, options)) return false;
    this.#tooFarBehind(running);
    return true;
  }

  /** A session client that does not acknowledge what it gets: closed, to resume from where it got to. */
  #tooFarBehind(connection: Connection): void {
    const reason = "Too far behind: acknowledge what you receive, and resume to catch up";
    this.#log.closedByLibrary(connection.record, 1013, reason);
    connection.closeUnder(1013, reason);
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

/** A frame as it travels over RPC: text, or its own ArrayBuffer. */
function toFrame(frame: OutgoingFrame): string | ArrayBuffer {
  return typeof frame === "string" ? frame : copyBytes(frame);
}
