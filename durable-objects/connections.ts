import { OPEN } from "../src/shared/ready-state.js";
import type { Connection } from "./connection/connection.js";
import { WebSocketDisconnect } from "./connection/errors.js";
import type { HostedRoute } from "./connection/handler.js";
import type { RecordView } from "./connection/record.js";
import { readRecord } from "./connection/record.js";
import { ServerWebSocket } from "./connection/server-websocket.js";
import type { RerunDeps } from "./rerun.js";
import { rebuild } from "./rerun.js";

/** What running handlers needs from the room object. */
export interface ConnectionsDeps extends RerunDeps {
  readonly ctx: DurableObjectState;
  readonly env: unknown;
  /** Runs a handler inside the room object's context, so that its rooms resolve here. */
  inRoomObject<R>(callback: () => R): R;
}

/**
 * The room object's connections: those whose handler is running, and the dormant ones, whose handler
 * is run again (a rerun) when an event comes for them. The runtime's list of sockets is the truth
 * about which connections are open; memory only says which handlers run.
 */
export class Connections {
  readonly #deps: ConnectionsDeps;
  /** Connections whose handler is running, by their server socket. */
  readonly #running = new Map<WebSocket, Connection>();
  /** Settles when each running connection's handler ends. */
  readonly #ends = new WeakMap<Connection, { readonly promise: Promise<void>; readonly resolve: () => void }>();

  constructor(deps: ConnectionsDeps) {
    this.#deps = deps;
  }

  /** The connection whose handler runs on a socket, if any. */
  running(socket: WebSocket): Connection | undefined {
    return this.#running.get(socket);
  }

  /** The connection of a socket: running, or rebuilt and its handler rerun. */
  of(socket: WebSocket): Connection | undefined {
    return this.#running.get(socket) ?? this.#rerun(socket);
  }

  /** The connections with this id whose handlers are running (a session's older connections, still busy). */
  runningWithId(id: string): Connection[] {
    return [...this.#running.values()].filter((connection) => connection.record.id === id);
  }

  /** Settles when the connection's handler has ended (at once if it is not running). */
  ended(connection: Connection): Promise<void> {
    return this.#ends.get(connection)?.promise ?? Promise.resolve();
  }

  /** Every running connection. */
  runningConnections(): IterableIterator<Connection> {
    return this.#running.values();
  }

  /** A socket's record, its handler running or dormant. */
  recordOf(socket: WebSocket): RecordView | null {
    return this.#running.get(socket)?.record ?? readRecord(socket);
  }

  /**
   * Open sockets with their connection ids, dormant ones included (a socket the server closed is CLOSING: not the
   * app's).
   */
  *sockets(): Generator<[id: string, socket: WebSocket]> {
    for (const socket of this.openSockets()) {
      const id = this.#running.get(socket)?.record.id ?? this.#deps.ctx.getTags(socket)[0];
      if (id !== undefined) yield [id, socket];
    }
  }

  /** Open sockets, dormant ones included, for a caller that reads their records anyway (which hold their ids). */
  *openSockets(): Generator<WebSocket> {
    for (const socket of this.#deps.ctx.getWebSockets()) if (socket.readyState === OPEN) yield socket;
  }

  /** The open socket of a connection id. */
  socketOf(id: string): WebSocket | undefined {
    return this.#deps.ctx.getWebSockets(id).find((socket) => socket.readyState === OPEN);
  }

  /** Closes a connection whether its handler runs or not; a dormant one's handler is rerun to see it. */
  close(socket: WebSocket, code: number, reason: string): void {
    this.of(socket)?.closeUnder(code, reason);
  }

  /** Runs a connection's handler; when it ends, what it left open is closed. */
  run(connection: Connection, route: HostedRoute): void {
    this.#running.set(connection.socket, connection);
    let resolve!: () => void;
    const promise = new Promise<void>((settle) => (resolve = settle));
    this.#ends.set(connection, { promise, resolve });
    const ws = new ServerWebSocket(connection);
    const { env, ctx } = this.#deps;
    this.#deps
      .inRoomObject(() => invoke(route, ws, env, ctx))
      .then(
        () => this.#finished(connection),
        (error: unknown) => this.#finished(connection, error),
      );
  }

  #rerun(socket: WebSocket): Connection | undefined {
    const rebuilt = rebuild(socket, this.#deps);
    if (rebuilt === undefined) return undefined;
    this.run(rebuilt.connection, rebuilt.route);
    return rebuilt.connection;
  }

  #finished(connection: Connection, error?: unknown): void {
    this.#running.delete(connection.socket);
    this.#ends.get(connection)?.resolve();
    const { logger, headers } = this.#deps;
    if (error === undefined || error instanceof WebSocketDisconnect) {
      logger.handlerEnded(connection.record);
      connection.finish();
    } else {
      logger.handlerFailed(connection.record, error);
      connection.finish(error);
    }
    // A handler that ends has ended its connection: what was kept for it in storage goes too (unless
    // a newer connection carries its session, and its id, on).
    if (connection.record.headers === null && !connection.superseded) headers.drop(connection.record.id);
  }
}

async function invoke(route: HostedRoute, ws: ServerWebSocket, env: unknown, ctx: DurableObjectState): Promise<void> {
  await route.handler(ws, env as never, ctx);
}
