import { AutoRouter } from "itty-router";
import { Hypern } from "../src/index.js";
import { chat } from "./chat.js";
import { echo } from "./echo.js";
import { notifications } from "./notifications.js";

/** Plain HTTP routes, next to the WebSocket ones: push into rooms from outside. */
const http = AutoRouter();

const app = new Hypern<Env>({ fallback: (request, env, ctx) => http.fetch(request, env, ctx) });

app.ws("/echo", echo);
app.ws("/chat/:room", chat, { room: ({ params }) => `chat:${params.room}` });
app.include(notifications, { prefix: "/ws" });

http.get("/", () =>
  new Response(
    [
      "Hypern WebSocket demo",
      "",
      "  ws://HOST/echo                 echoes text",
      "  ws://HOST/chat/:room?name=you  chat room (JSON events)",
      "  ws://HOST/ws/notifications     receives what POST /api/notify sends",
      "  POST /api/rooms/:room/messages {\"text\": \"...\"}  posts into a chat room",
      "  POST /api/notify               {\"text\": \"...\"}  notifies every subscriber",
      "",
    ].join("\n"),
    { headers: { "Content-Type": "text/plain; charset=utf-8" } },
  ),
);

http.post("/api/rooms/:room/messages", async (request, env: Env) => {
  const text = await readText(request);
  if (text === null) return Response.json({ error: 'Send JSON {"text": "..."}' }, { status: 400 });
  const delivered = await app.room(env, `chat:${request.params.room}`).broadcastJson({ type: "message", id: null, name: "server", text });
  return Response.json({ delivered });
});

http.post("/api/notify", async (request, env: Env) => {
  const text = await readText(request);
  if (text === null) return Response.json({ error: 'Send JSON {"text": "..."}' }, { status: 400 });
  const delivered = await app.room(env, "notifications").broadcastJson({ type: "notification", text });
  return Response.json({ delivered });
});

async function readText(request: Request): Promise<string | null> {
  const body: unknown = await request.json().catch(() => null);
  const text = (body as { text?: unknown } | null)?.text;
  return typeof text === "string" && text !== "" ? text : null;
}

export default app;
export class Rooms extends app.RoomObject {}
