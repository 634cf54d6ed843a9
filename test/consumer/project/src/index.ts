import { Hypern, WebSocketRoom } from "hypern-workers";

const app = new Hypern<Env>();

app.ws("/echo", async (ws) => {
  await ws.accept();
  for (;;) ws.sendText(`echo: ${await ws.receiveText()}`);
});

const members = new WebSocketRoom("members");

app.ws(
  "/chat/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) {
      members.join(ws);
      ws.sendJson({ type: "welcome", id: ws.id, room: ws.params.room });
    }
    for (;;) {
      const text = await ws.receiveText();
      if (text === "resumed?") ws.sendJson({ resumed: ws.resumed });
      else members.broadcastJson({ from: ws.id, text }, { exclude: ws.id });
    }
  },
  { room: ({ params }) => params.room },
);

export { app };
export default app;
export class Rooms extends app.RoomObject {}
