import { Hypern, WebSocketRoom } from "hypern-workers";

const app = new Hypern<Env>({
  // Plain HTTP: POST /announce/:room pushes into a chat room. The return type annotation keeps
  // TypeScript from inferring `app` from its own initializer.
  fallback: async (request, env): Promise<Response> => {
    const room = /^\/announce\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
    if (request.method !== "POST" || room === undefined) return new Response("Not found", { status: 404 });
    const sent = await app.roomObject(env, room, { route: "/chat/:room" }).broadcastJson({ from: "server", text: await request.text() });
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

export { app };
export default app;
export class Rooms extends app.RoomObject {}
