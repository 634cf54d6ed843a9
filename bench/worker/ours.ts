import { Hypern, WebSocketRoom } from "../../src/index.js";

/** The same rooms written with this library's handler API and WebSocketRoom. */
export const ours = new Hypern<Env>({ binding: "OURS" });

const members = new WebSocketRoom("bench");

ours.ws(
  "/ours/echo/:room",
  async (ws) => {
    await ws.accept();
    for await (const text of ws.iterText()) ws.sendText(text);
  },
  { room: ({ params }) => params.room },
);

ours.ws(
  "/ours/broadcast/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) members.join(ws);
    for await (const text of ws.iterText()) await members.broadcast(text, { exclude: ws.id });
    members.leave(ws);
  },
  { room: ({ params }) => params.room },
);
