import { AutoRouter } from "itty-router";
import { Hypern } from "../src/index.js";
import { refuseWithoutToken } from "./api-token.js";
import { CHAT_ROOM, MAX_TEXT, chat } from "./chat.js";
import { SERVER_NAME } from "./chat-name.js";
import { echo } from "./echo.js";
import { notifications } from "./notifications.js";
import { roomParam } from "./room-param.js";

/**
 * Plain HTTP routes, next to the WebSocket ones: push into rooms from outside. The chat page and its
 * files are Workers static assets (wrangler.toml `[assets]`), served before the Worker runs.
 */
const http = AutoRouter();

const app = new Hypern<Env>({ fallback: (request, env, ctx) => http.fetch(request, env, ctx) });

app.ws("/echo", echo);
// Sessions: a client of the session protocol (the chat page) that drops comes back as the same person.
// The heartbeat closes connections that went silent (3008), and lets the page find a dead one quickly.
app.ws("/chat/:room", chat, { roomObject: ({ params }) => params.room, sessions: true, heartbeat: true });
app.include(notifications, { prefix: "/ws" });

// First, for every /api/ path: the rest of the API runs only for requests with the token.
http.all("/api/*", refuseWithoutToken);

http.post("/api/rooms/:room/messages", async (request, env: Env) => {
  const room = roomParam(request.params.room);
  if (room instanceof Response) return room;
  const text = await readText(request);
  if (text === null) return Response.json({ error: 'Send JSON {"text": "..."}' }, { status: 400 });
  if (text.length > MAX_TEXT)
    return Response.json({ error: `Messages may be at most ${MAX_TEXT} characters` }, { status: 400 });
  // Into the chat's room, not to every connection of the object: so it is kept in the room's history too.
  const message = { type: "message", id: null, name: SERVER_NAME, text };
  const delivered = await chatRoom(env, room).broadcastJson(message, { room: CHAT_ROOM });
  return Response.json({ delivered });
});

/** Closes every connection of a chat room with 1012 (service restart): the chat page says why, and resumes. */
http.post("/api/rooms/:room/close", async (request, env: Env) => {
  const room = roomParam(request.params.room);
  if (room instanceof Response) return room;
  await chatRoom(env, room).closeAll(1012, "room restarted by the server");
  return new Response(null, { status: 204 });
});

http.post("/api/notify", async (request, env: Env) => {
  const text = await readText(request);
  if (text === null) return Response.json({ error: 'Send JSON {"text": "..."}' }, { status: 400 });
  const delivered = await app
    .roomObject(env, { route: "/ws/notifications" })
    .broadcastJson({ type: "notification", text });
  return Response.json({ delivered });
});

/** The chat room that `/chat/:room` places its connections in under this name. */
function chatRoom(env: Env, room: string) {
  return app.roomObject(env, room, { route: "/chat/:room" });
}

async function readText(request: Request): Promise<string | null> {
  const body: unknown = await request.json().catch(() => null);
  const text = (body as { text?: unknown } | null)?.text;
  return typeof text === "string" && text !== "" ? text : null;
}

export default app;
export class Rooms extends app.RoomObject {}
