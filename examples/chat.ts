import { WebSocketDisconnect, WebSocketError, WebSocketRoom } from "../src/index.js";
import type { RouteParams, ServerWebSocket } from "../src/index.js";

export interface ChatMember {
  name: string;
}

export type ChatSocket = ServerWebSocket<RouteParams<"/chat/:room">, ChatMember>;

/** Everyone in one chat room. Module scope is safe: each room object resolves its own members. */
const members = new WebSocketRoom("chat");

/**
 * Hypern's chat example: joined/left notices, messages broadcast to everyone but the sender. The route
 * places each room name in its own room object, so `members` is that room's people.
 *
 * Client to server: plain text messages. Server to client: JSON events
 * `welcome`, `joined`, `message`, `left` and `error`.
 */
export async function chat(ws: ChatSocket): Promise<void> {
  await ws.accept();
  if (!ws.resumed) {
    ws.setData({ name: displayName(ws) });
    members.join(ws);
    ws.sendJson({ type: "welcome", id: ws.id, name: memberName(ws), room: ws.params.room, members: members.size });
    members.broadcastJson({ type: "joined", id: ws.id, name: memberName(ws) }, { exclude: ws.id });
  }
  try {
    for (;;) {
      try {
        const text = await ws.receiveText();
        members.broadcastJson({ type: "message", id: ws.id, name: memberName(ws), text }, { exclude: ws.id });
      } catch (error) {
        if (!(error instanceof WebSocketError)) throw error;
        ws.sendJson({ type: "error", message: error.message });
      }
    }
  } catch (error) {
    if (!(error instanceof WebSocketDisconnect)) throw error;
  }
  members.leave(ws);
  members.broadcastJson({ type: "left", id: ws.id, name: memberName(ws) });
}

function displayName(ws: ChatSocket): string {
  const asked = ws.queryParams.get("name")?.trim().slice(0, 32);
  return asked || `guest-${ws.id.slice(0, 6)}`;
}

function memberName(ws: ChatSocket): string {
  return ws.data?.name ?? "unknown";
}
