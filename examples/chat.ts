import { WebSocketRoom } from "../src/index.js";
import type { HistoryEntry, RoomMember, RouteParams, ServerWebSocket } from "../src/index.js";
import { SESSION_PROTOCOL } from "../src/client/index.js";
import { chatName } from "./chat-name.js";

/**
 * Hypern's chat example. The route places each room name in its own room object, so `members` is that
 * room's people. The route has sessions: a client of the session protocol (`hypern-workers/client`, as
 * the chat page uses) that drops comes back as the same person, with what it missed. It has a
 * heartbeat too: a connection silent for 75 s is closed with 3008.
 *
 * Two kinds of client, told apart by `ws.subprotocol`:
 * - Session clients learn who comes, goes, drops away and comes back from the room's presence (the
 *   session protocol's `p` frames; `client.presence("chat")`), one entry per connection, its data
 *   `{ name }`. They are sent no `joined`, `back` or `left` messages: a restart or a deploy that ends
 *   in a resume is then no leave and no join.
 * - Plain WebSocket clients have no presence. They are sent `joined`, `back` and `left` about the
 *   room's connections, and join afresh when they reconnect. They must send something at least every
 *   75 s: a message, or exactly `{"t":"ping"}`, which the runtime answers with `{"t":"pong"}` (and
 *   which is therefore never taken as a chat message).
 *
 * Client to server: text messages, up to MAX_TEXT characters each.
 *
 * Server to client, one JSON object per message:
 * - `welcome` `{ id, name, room, members: [{ id, name }], recovered, history }`, to the connection alone;
 *   `members` are the connections in the room now:
 *   - on a new connection, `recovered: false` and `history` holds the room's recent messages (the last
 *     RECENT of those kept), oldest first, each `{ id, name, text, at }` (`at` in epoch ms): what was
 *     said before you joined;
 *   - to a session client that came back after a drop, `recovered: true` and `history: []`: what it
 *     missed was replayed to it, before this welcome.
 * - `message` `{ id, name, text }`: to everyone but the sender; `id` null for the HTTP push API.
 * - `error` `{ message }`: a message the server did not take.
 * - To plain clients only, not sent to the connection they are about:
 *   - `joined` `{ id, name }`: a new connection came in;
 *   - `back` `{ id, name }`: a session client whose connection ended resumed (its `left` came first,
 *     unless its old connection was still open);
 *   - `left` `{ id, name }`: a connection ended, also one whose session client may still resume.
 */

export interface ChatMember {
  name: string;
}

export type ChatSocket = ServerWebSocket<RouteParams<"/chat/:room">, ChatMember>;

/** The name of the `WebSocketRoom` every chat connection joins, for pushes from Worker code. */
export const CHAT_ROOM = "chat";
/** Messages longer than this are refused: the room keeps them, and sends them again to each new person. */
export const MAX_TEXT = 2000;
/** How many earlier messages a new person is shown. */
const RECENT = 50;

/**
 * Everyone in one chat room, the room's last 200 messages of the day (in the room object's SQLite
 * storage), and its presence. Module scope is safe: each room object resolves its own members and log.
 * Presence keeps one entry per connection (its id), not per name: names are not unique, since two
 * people may pick the same one, and grouping by name would show them as one person.
 */
const members = new WebSocketRoom<ChatMember>(CHAT_ROOM, {
  history: { limit: 200, maxAgeMs: 86_400_000 },
  presence: { key: (_member, id) => id },
});

/**
 * The plain WebSocket clients of the room, who are told of comings and goings in messages. No history: a notice is not
 * replayed.
 */
const plainClients = new WebSocketRoom("chat-plain-clients");

export async function chat(ws: ChatSocket): Promise<void> {
  await ws.accept();
  // Once per connection: a wake from hibernation reruns the handler with ws.rerun === true.
  if (ws.recovered) await welcomeBack(ws);
  else if (!ws.rerun) await welcome(ws);
  for await (const message of ws.iter()) {
    if (message.type !== "text") ws.sendJson({ type: "error", message: "Send text messages" });
    else if (message.data.length > MAX_TEXT)
      ws.sendJson({ type: "error", message: `Messages may be at most ${MAX_TEXT} characters` });
    else
      await members.broadcastJson(
        { type: "message", id: ws.id, name: memberName(ws), text: message.data },
        { exclude: ws.id },
      );
  }
  // The connection ended (or the room was closed): runs even if the room slept meanwhile. The library
  // takes an ended connection out of its rooms. The handler does not call members.leave(ws): a
  // session client's session may go on, and leaving would tell the room's presence it is gone.
  // A session client that resumed while this connection was still open goes on in the newer one.
  if ((await members.getConnections()).some(({ id }) => id === ws.id)) return;
  await plainClients.broadcastJson({ type: "left", id: ws.id, name: memberName(ws) });
}

async function welcome(ws: ChatSocket): Promise<void> {
  ws.setData({ name: displayName(ws) });
  members.join(ws);
  // Both are read now, in the same turn as the join: what is broadcast from here on reaches the new
  // member live, and nothing before it is missing from the history or in it twice.
  const [present, log] = await Promise.all([members.getConnections(), members.history()]);
  sendWelcome(ws, present, false, recentMessages(log.entries));
  await plainClients.broadcastJson({ type: "joined", id: ws.id, name: memberName(ws) });
  if (!isSessionClient(ws)) plainClients.join(ws);
}

/** A session client came back: it is a member again already, and has been sent what it missed. */
async function welcomeBack(ws: ChatSocket): Promise<void> {
  sendWelcome(ws, await members.getConnections(), true, []);
  await plainClients.broadcastJson({ type: "back", id: ws.id, name: memberName(ws) });
}

function sendWelcome(
  ws: ChatSocket,
  present: readonly RoomMember<ChatMember>[],
  recovered: boolean,
  history: readonly RecentMessage[],
): void {
  ws.sendJson({
    type: "welcome",
    id: ws.id,
    name: memberName(ws),
    room: ws.params.room,
    members: people(present),
    recovered,
    history,
  });
}

function isSessionClient(ws: ChatSocket): boolean {
  return ws.subprotocol === SESSION_PROTOCOL;
}

function people(connections: readonly RoomMember<ChatMember>[]): { id: string; name: string }[] {
  return connections.map(({ id, data }) => ({ id, name: data?.name ?? "unknown" }));
}

/** A chat message as a welcome lists it. */
interface RecentMessage {
  readonly id: string | null;
  readonly name: string;
  readonly text: string;
  readonly at: number;
}

/** The history holds every broadcast into the room: its chat messages, the last RECENT, with when they were sent. */
function recentMessages(entries: readonly HistoryEntry[]): RecentMessage[] {
  const messages = [];
  for (const { data, at } of entries) {
    if (typeof data !== "string") continue;
    const event = JSON.parse(data) as { type: string; id: string | null; name: string; text: string };
    if (event.type === "message") messages.push({ id: event.id, name: event.name, text: event.text, at });
  }
  return messages.slice(-RECENT);
}

function displayName(ws: ChatSocket): string {
  return chatName(ws.queryParams.get("name")) ?? `guest-${ws.id.slice(0, 6)}`;
}

function memberName(ws: ChatSocket): string {
  return ws.data?.name ?? "unknown";
}
