import type { RoomAddress, RoomPart } from "../src/shared/room-address.js";
import { describeAddress, objectName, parseObjectName } from "../src/shared/room-address.js";
import { resolveShards } from "../src/shared/route-options.js";
import { missingFeature } from "../src/shared/missing-feature.js";
import { shardSessionPrefix } from "../src/shared/session-protocol.js";
import { AlarmSchedule } from "./alarm-schedule.js";
import { ObjectAlarm } from "./alarm.js";
import type { RoomObjectConfig } from "./config.js";
import type { RoomObjectFeatures, SessionsPart, ShardsPart } from "./features.js";
import type { RoomHistory } from "./rooms/history.js";
import type { ConnectionDeps } from "./connection/connection.js";
import { HeaderStore } from "./connection/header-store.js";
import { Logger } from "./connection/logger.js";
import { countHeld } from "./connection/socket-list.js";
import { Connections } from "./connections.js";
import { Dispatch } from "./dispatch.js";
import { HeldSockets } from "./held-sockets.js";
import { Liveness } from "./liveness.js";
import { LocalRooms } from "./rooms/local-rooms.js";
import { runWithRooms } from "./rooms/current-rooms.js";
import type { Rooms } from "./rooms/rooms.js";
import { Sending } from "./sending.js";
import type { SessionDeps } from "./sessions/held-sessions.js";
import type { SessionParts } from "./sessions/session-parts.js";
import type { SessionSource } from "./sessions/sessions.js";
import type { Sequencer } from "./shards/sequencer.js";
import type { ShardRooms } from "./shards/shard-rooms.js";
import { WITHOUT_SESSIONS } from "./without-sessions.js";
import { upgrade } from "./upgrade.js";

/** A room object's parts, assembled once when it starts (again after every wake). */
export interface RoomObjectParts {
  /** What its rooms do: in this object alone, or over the shards of its room. */
  readonly rooms: Rooms;
  readonly dispatch: Dispatch;
  readonly alarm: ObjectAlarm;
  upgrade(request: Request): Promise<Response>;
  /** Runs code inside this room object's context, where `WebSocketRoom`s resolve to its rooms. */
  inRoomObject<R>(callback: () => R): R;
  /** This object as a shard of a sharded room, for the RPC its sequencer and the other shards make. */
  shard(): ShardRooms;
  /** This object as a sharded room's sequencer, for the RPC its shards and Worker code make. */
  sequencer(): Sequencer;
}

/**
 * Builds a room object's parts. Its name says which kind of room it is part of, and that is decided
 * here, once: a room in one object, a shard of a room over several, or such a room's sequencer.
 */
export function assemble(ctx: DurableObjectState, env: unknown, config: RoomObjectConfig): RoomObjectParts {
  const address = parseObjectName(ctx.id.name);
  const logger = new Logger(
    address === null ? (ctx.id.name ?? ctx.id.toString()) : describeAddress(address),
    config.verbose,
  );
  const { features } = config;
  const history = features.history?.history(ctx.storage.sql, (time) => schedule.wakeAt(time)) ?? null;
  const headers = new HeaderStore(ctx);
  const held = new HeldSockets(ctx, config.limits);
  const inRoomObject = <R>(callback: () => R): R => runWithRooms(rooms, callback);
  const connectionDeps: ConnectionDeps = {
    logger,
    ended: (connection, ending) => {
      const continues = links.ended(connection, ending);
      local?.forget(connection, connection.superseded ? "kept" : continues ? "away" : "gone");
      rooms.part.changed();
      return continues;
    },
    send: (connection, frame) => sending.direct(connection, frame),
    keep: (connection, frame) => sending.keep(connection, frame),
    dataChanged: (connection) => {
      links.changed(connection);
      local?.presenceHere.dataChanged(connection);
    },
    wakeAt: (deadline) => schedule.wakeAt(deadline),
  };
  const connections = new Connections({
    ctx,
    env,
    router: config.router,
    limits: config.limits,
    headers,
    logger,
    connection: connectionDeps,
    inRoomObject,
  });
  const part = address?.part;
  const shardIndex = part !== undefined && "shard" in part ? part.shard : null;
  const sessionsFrom = (feature: SessionsPart): SessionParts => {
    const kept = historyIn(history);
    const source: SessionSource = {
      idPrefix: shardIndex === null ? "" : shardSessionPrefix(shardIndex),
      history: kept,
      // A shard's histories are copies, which start with the first broadcast it applies.
      historyHead: shardIndex === null ? (room) => kept.head(room) : (room) => kept.knownHead(room),
    };
    const sessionDeps: SessionDeps = {
      ctx,
      source,
      running: (socket) => connections.running(socket),
      connectionOf: (socket) => connections.of(socket),
      recordOf: (socket) => connections.recordOf(socket),
      send: (socket, frame) => sending.send(socket, frame),
      sessionsOf: (route) => config.router.getRoute(route)?.sessions ?? null,
      heartbeatOf: (route) => config.router.getRoute(route)?.heartbeat ?? null,
      wakeAt: (time) => schedule.wakeAt(time),
      sessionsChanged: () => {
        rooms.part.changed();
        local?.presenceHere.sessionsChanged();
      },
      orphaned: (members) => local?.presenceHere.orphaned(members),
    };
    // An object of a group serves that group's routes only: in the rooms of routes without sessions, no socket is
    // looked up for one. An object named otherwise, or of a group no route has any more (renamed in a deploy, its
    // sockets still held), may hold any route's.
    const group = address?.group ?? null;
    const served = group !== null && config.router.hasGroup(group);
    return feature.sessions(sessionDeps, served ? config.router.hasSessionsIn(group) : config.hasSessions);
  };
  const {
    held: sessions,
    links,
    traffic,
  } = features.sessions === undefined ? WITHOUT_SESSIONS : sessionsFrom(features.sessions);
  const local: LocalRooms | null =
    part !== undefined && "sequencer" in part
      ? null
      : new LocalRooms({
          history,
          sockets: () => connections.sockets(),
          openSockets: () => connections.openSockets(),
          recordOf: (socket) => connections.recordOf(socket),
          runsHere: (connection) => connections.running(connection.socket) === connection,
          deliver: (socket, id, broadcast) => sending.broadcast(socket, id, broadcast),
          sendTo: (id, frame) => sending.toMember(id, frame),
          close: (socket, code, reason) => connections.close(socket, code, reason),
          membershipChanged: (connection, room, joined) => links.membershipChanged(connection, room, joined),
          sendAsIs: (socket, frame) => void sending.send(socket, frame),
          isSession: (socket) => sessions.sessionOf(socket) !== null,
          dropped: (room) => sessions.dropped().filter(({ rooms: joined }) => joined.includes(room)),
          stillAway: () => new Set(sessions.dropped().map(({ id }) => id)),
          presenceChanged: (room, changes) =>
            shard === null ? local?.presenceHere.deliverChanges(room, changes) : shard.publishPresence(room, changes),
          sendPresence: (room, connection) =>
            shard === null ? local?.presenceHere.sendSnapshot(room, connection) : shard.sendPresence(room, connection),
        });
  const stubOf = (other: RoomPart): DurableObjectStub => partStub(env, config.binding, address, other);
  let shard: ShardRooms | null = null;
  let sequencer: Sequencer | null = null;
  let rooms: Rooms;
  if (local === null) {
    ({ sequencer, rooms } = shardsIn(features).sequencer(
      {
        sql: ctx.storage.sql,
        history: historyIn(history),
        options: config.router.shardsOf(address?.group ?? "") ?? resolveShards(true),
        shard: (index) => stubOf({ shard: index }) as never,
        wakeAt: (time) => schedule.wakeAt(time),
        warn: (message) => logger.warn(message),
      },
      stubOf,
    ));
  } else if (shardIndex !== null) {
    rooms = shard = shardsIn(features).shard({
      kv: ctx.storage.kv,
      index: shardIndex,
      options: config.router.shardsOf(address?.group ?? "") ?? resolveShards(true),
      local,
      stubOf,
      socketCounts: () => {
        const sockets = ctx.getWebSockets();
        return { open: [...connections.sockets()].length, held: countHeld(sockets) };
      },
      sessionCounts: () => sessions.counts(),
      copied: (room, position, place, frame, exclude) => sessions.copied(room, position, place, frame, exclude),
      restarted: (room, head) => sessions.restarted(room, head),
      closeSessions: (code, reason) => links.closeAll(code, reason),
      dropCopies: () => historyIn(history).dropAll(),
      sendHere: (id, frame) => sending.toMember(id, frame),
      closeHere: (id, code, reason) => {
        const socket = connections.socketOf(id);
        if (socket !== undefined) connections.close(socket, code, reason);
      },
      wakeAt: (time) => schedule.wakeAt(time),
      warn: (message) => logger.warn(message),
    });
  } else {
    rooms = local;
  }
  const sending: Sending = new Sending({
    limits: config.limits,
    sessions,
    traffic,
    connectionOf: (socket) => connections.of(socket),
    socketOf: (id) => connections.socketOf(id),
    part: rooms.part,
  });
  const liveness = new Liveness(
    {
      ctx,
      router: config.router,
      close: (socket, code, reason) => connections.close(socket, code, reason),
      wakeAt: (time) => schedule.wakeAt(time),
    },
    config.hasHeartbeat,
  );
  const alarm: ObjectAlarm = new ObjectAlarm({
    ctx,
    connections,
    sessions,
    history,
    liveness,
    part: rooms.part,
    schedule: () => schedule,
    inRoomObject,
  });
  const schedule: AlarmSchedule = new AlarmSchedule(ctx.storage, () => alarm.earliest());
  const dispatch = new Dispatch({
    connections,
    traffic,
    liveness,
    logger,
    part: rooms.part,
    closing: (socket) => {
      const record = connections.recordOf(socket);
      if (record !== null && !record.closing) local?.presenceHere.warm(record);
    },
  });
  const upgradeDeps = {
    ctx,
    config,
    logger,
    headers,
    held,
    sessions,
    links,
    connections,
    sending,
    liveness,
    connection: connectionDeps,
    local,
    part: rooms.part,
  };
  return {
    rooms,
    dispatch,
    alarm,
    upgrade: (request) => upgrade(request, upgradeDeps),
    inRoomObject,
    shard: () => shard ?? notA("a shard of a sharded room"),
    sequencer: () => sequencer ?? notA("the sequencer of a sharded room"),
  };
}

/** The stub of another object of this object's sharded room. */
function partStub(env: unknown, binding: string, address: RoomAddress | null, part: RoomPart): DurableObjectStub {
  const namespace = (env as Record<string, DurableObjectNamespace>)[binding];
  if (namespace === undefined || address === null)
    throw new Error(`No Durable Object binding "${binding}" for the room's other objects`);
  return namespace.get(namespace.idFromName(objectName({ group: address.group, room: address.room, part })));
}

function shardsIn(features: RoomObjectFeatures): ShardsPart {
  if (features.shards === undefined) throw missingFeature("shards", "A sharded room's object");
  return features.shards;
}

/** Sessions and shards replay from room histories: an app with either has them. */
function historyIn(history: RoomHistory | null): RoomHistory {
  if (history === null) throw missingFeature("history", "A room object with sessions or shards");
  return history;
}

function notA(what: string): never {
  throw new Error(`This room object is not ${what}`);
}
