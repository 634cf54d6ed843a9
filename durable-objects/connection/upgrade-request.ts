import { ADMISSION_HEADER, readAdmission } from "../../src/shared/admission-header.js";
import { decodeParams } from "../../src/shared/path-params.js";
import { offeredSubprotocols } from "../../src/shared/session-protocol.js";
import { jsonBytes } from "../../src/shared/utf8.js";
import type { HostedRoute, RouteTable } from "./handler.js";
import type { ConnectionRecord } from "./record.js";
import { MAX_HEADER_BYTES, MAX_URL_BYTES, headerBlock, inlineHeaderBytes } from "./record.js";

/** Why an upgrade is refused before its handler runs: the HTTP status and the reason in the body. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

export function isRefusal<T extends object>(value: T | Refusal): value is Refusal {
  return "status" in value && "message" in value;
}

/** An upgrade request the room object will run a handler for. */
export interface UpgradeRequest {
  readonly route: HostedRoute;
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The connection's record; its headers are null when `headers` must be kept in storage. */
  readonly record: ConnectionRecord;
  /** The request headers in full (lower-case names), for the handler's first run. */
  readonly headers: readonly (readonly [string, string])[];
  /** The header block, when it is too large for the attachment and goes to storage. */
  readonly storedHeaders: string | null;
  /** The subprotocols the client offered, in its order. */
  readonly protocols: readonly string[];
}

/**
 * Reads an upgrade the Worker forwarded: the route (matched again here, so nothing but the admitted
 * data travels in a header), the params, and the record the connection will keep, checked against the
 * attachment's budgets so that a request whose parts cannot be kept is refused with its reason.
 */
export function readUpgrade(
  request: Request,
  app: { readonly router: RouteTable; readonly admits: boolean; readonly limits: { readonly maxDataBytes: number } },
): UpgradeRequest | Refusal {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
    return { status: 426, message: "Expected a WebSocket upgrade" };
  const url = new URL(request.url);
  const match = app.router.match(url.pathname);
  if (match === undefined) return { status: 404, message: `No WebSocket route matches ${url.pathname}` };
  const params = decodeParams(match.rawParams);
  if (params === null) return { status: 400, message: "The path has malformed percent-encoding" };
  const urlBytes = jsonBytes(url.pathname) + jsonBytes(url.search);
  if (urlBytes > MAX_URL_BYTES) {
    return {
      status: 414,
      message: `URI too long: the path and query of a WebSocket upgrade may take at most ${MAX_URL_BYTES} bytes`,
    };
  }
  const admission = app.admits ? readAdmission(request.headers) : { data: undefined };
  if (admission === null) return { status: 400, message: "This app admits connections through its Worker only" };
  const headers = [...request.headers].filter(([name]) => name !== ADMISSION_HEADER);
  const block = headerBlock(headers);
  const blockBytes = jsonBytes(block);
  if (blockBytes > MAX_HEADER_BYTES) {
    return {
      status: 431,
      message:
        `Request header fields too large: a WebSocket upgrade may carry at most ${MAX_HEADER_BYTES} bytes ` +
        `of headers`,
    };
  }
  const inline = blockBytes <= inlineHeaderBytes(app.limits.maxDataBytes);
  const record: ConnectionRecord = {
    id: crypto.randomUUID(),
    route: match.route.path,
    path: url.pathname,
    search: url.search,
    clientHost: request.headers.get("cf-connecting-ip"),
    headers: inline ? block : null,
    subprotocol: null,
    rooms: [],
    data: admission.data,
    closing: false,
    deadline: null,
    session: null,
  };
  const protocols = offeredSubprotocols(request.headers.get("sec-websocket-protocol"));
  return { route: match.route, params, record, headers, storedHeaders: inline ? null : block, protocols };
}
