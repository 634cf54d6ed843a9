import { decodeParams } from "../src/shared/path-params.js";
import { OPEN } from "../src/shared/ready-state.js";
import type { ConnectionDeps } from "./connection/connection.js";
import { Connection } from "./connection/connection.js";
import type { HostedRoute, RouteTable } from "./connection/handler.js";
import type { HeaderStore } from "./connection/header-store.js";
import type { Logger } from "./connection/logger.js";
import { parseHeaderBlock, readRecord } from "./connection/record.js";
import type { ResolvedLimits } from "../src/shared/limits.js";

/** What rebuilding a connection after hibernation needs. */
export interface RerunDeps {
  readonly router: RouteTable;
  readonly limits: ResolvedLimits;
  readonly headers: HeaderStore;
  readonly logger: Logger;
  readonly connection: ConnectionDeps;
}

/**
 * An event (a message, a close) came for a connection whose handler is not running: the object woke
 * from hibernation, or was reset. The connection is rebuilt from its socket's attachment (and the
 * headers kept in storage), for its route's handler to run again from the top: a rerun. A socket the
 * server was closing, or one without a record, has no handler to run; one whose route is gone (renamed
 * in a deploy) is closed with 1012.
 */
export function rebuild(
  socket: WebSocket,
  deps: RerunDeps,
): { connection: Connection; route: HostedRoute } | undefined {
  const record = readRecord(socket);
  if (record === null || record.closing) return undefined;
  const route = deps.router.getRoute(record.route);
  const rawParams = route === undefined ? undefined : deps.router.paramsOf(route, record.path);
  const params = rawParams === undefined ? null : decodeParams(rawParams);
  if (route === undefined || params === null) {
    deps.logger.closedByLibrary(record, 1012, "its route no longer exists (was it renamed in a deploy?)");
    if (socket.readyState === OPEN) socket.close(1012, "Route no longer exists");
    return undefined;
  }
  const headers = parseHeaderBlock(record.headers ?? deps.headers.read(record.id) ?? "");
  const connection = new Connection({ record, params, headers, socket, deps: deps.connection, limits: deps.limits });
  deps.logger.rerun(record);
  return { connection, route };
}
