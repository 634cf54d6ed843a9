import { SESSION_PROTOCOL, offeredSubprotocols } from "../../src/shared/session-protocol.js";
import { WebSocketError } from "./errors.js";

/**
 * The subprotocol `accept()` answers with: the session protocol for a client that negotiates it, else
 * the one the handler asked for, which the client must have offered; null for none.
 */
export function chooseSubprotocol(
  asked: string | undefined,
  sessionOffered: boolean,
  headers: readonly (readonly [string, string])[],
): string | null {
  if (sessionOffered) {
    if (asked !== undefined && asked !== SESSION_PROTOCOL) {
      throw new WebSocketError(
        `Cannot accept subprotocol "${asked}": the client negotiates the session protocol (${SESSION_PROTOCOL})`,
      );
    }
    return SESSION_PROTOCOL;
  }
  if (asked === undefined) return null;
  const offered = offeredSubprotocols(headers.find(([name]) => name === "sec-websocket-protocol")?.[1]);
  if (!offered.includes(asked)) {
    const list = offered.length ? offered.map((protocol) => `"${protocol}"`).join(", ") : "none";
    throw new WebSocketError(`Cannot accept subprotocol "${asked}": the client offered ${list}`);
  }
  return asked;
}
