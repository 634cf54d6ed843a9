import { Hypern, WebSocketRoom } from "hypern-workers";

const app = new Hypern<Env>({
  // Plain HTTP: POST /announce/:room pushes into a chat room. The return type annotation keeps
  // TypeScript from inferring `app` from its own initializer.
  fallback: async (request, env): Promise<Response> => {
    const room = /^\/announce\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
    if (request.method !== "POST" || room === undefined) return new Response("Not found", { status: 404 });
    const sent = await app
      .roomObject(env, room, { route: "/chat/:room" })
      .broadcastJson({ from: "server", text: await request.text() });
    return Response.json({ sent });
  },
});

app.ws("/echo", async (ws) => {
  await ws.accept();
  for (;;) ws.sendText(`echo: ${await ws.receiveText()}`);
});

const members = new WebSocketRoom("members");

app.ws(
  "/chat/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.rerun) {
      members.join(ws);
      ws.sendJson({ type: "welcome", id: ws.id, room: ws.params.room });
    }
    for (;;) {
      const text = await ws.receiveText();
      if (text === "resumed?") ws.sendJson({ resumed: ws.rerun });
      else members.broadcastJson({ from: ws.id, text }, { exclude: ws.id });
    }
  },
  { roomObject: ({ params }) => params.room },
);

// A chat whose clients may drop and come back: every text goes to everyone, the sender included, and
// the room's history is what a resuming client is replayed from.
const talk = new WebSocketRoom("talk", { history: true });

app.ws(
  "/talk/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.rerun && !ws.recovered) talk.join(ws);
    for await (const text of ws.iterText()) await talk.broadcast(text);
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);

export { app };
export default app;
export class Rooms extends app.RoomObject {}
