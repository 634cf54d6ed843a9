import { WebSocketRoom } from "../src/index.js";
import type { RouteParams, ServerWebSocket } from "../src/index.js";

export interface ChatMember {
  name: string;
}

export type ChatSocket = ServerWebSocket<RouteParams<"/chat/:room">, ChatMember>;

/** Everyone in one chat room. Module scope is safe: each room object resolves its own members. */
const members = new WebSocketRoom<ChatMember>("chat");

/**
 * Hypern's chat example: joined/left notices, messages broadcast to everyone but the sender. The route
 * places each room name in its own room object, so `members` is that room's people.
 *
 * Client to server: plain text messages. Server to client: JSON events `welcome` (with who is
 * present), `joined`, `message`, `left` and `error`.
 */
export async function chat(ws: ChatSocket): Promise<void> {
  await ws.accept();
  if (!ws.resumed) {
    // Once per connection: a wake from hibernation reruns the handler with ws.resumed === true.
    ws.setData({ name: displayName(ws) });
    members.join(ws);
    const present = (await members.getConnections()).map(({ id, data }) => ({ id, name: data?.name ?? "unknown" }));
    ws.sendJson({ type: "welcome", id: ws.id, name: memberName(ws), room: ws.params.room, members: present });
    await members.broadcastJson({ type: "joined", id: ws.id, name: memberName(ws) }, { exclude: ws.id });
  }
  for await (const message of ws.iter()) {
    if (message.type === "text") {
      await members.broadcastJson({ type: "message", id: ws.id, name: memberName(ws), text: message.data }, { exclude: ws.id });
    } else {
      ws.sendJson({ type: "error", message: "Send text messages" });
    }
  }
  // The client left (or the room was closed): runs even if the room slept meanwhile.
  members.leave(ws);
  await members.broadcastJson({ type: "left", id: ws.id, name: memberName(ws) });
}

function displayName(ws: ChatSocket): string {
  const asked = ws.queryParams.get("name")?.trim().slice(0, 32);
  return asked || `guest-${ws.id.slice(0, 6)}`;
}

function memberName(ws: ChatSocket): string {
  return ws.data?.name ?? "unknown";
}
