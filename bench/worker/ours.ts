import { Hypern, WebSocketDisconnect, WebSocketRoom } from "../../src/index.js";

/** The same rooms written with this library's handler API and WebSocketRoom. */
export const ours = new Hypern<Env>({ binding: "OURS" });

const members = new WebSocketRoom("bench");

ours.ws(
  "/ours/echo/:room",
  async (ws) => {
    await ws.accept();
    try {
      for (;;) ws.sendText(await ws.receiveText());
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
  },
  { room: ({ params }) => params.room },
);

ours.ws(
  "/ours/broadcast/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) members.join(ws);
    try {
      for (;;) members.broadcast(await ws.receiveText(), { exclude: ws.id });
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
    members.leave(ws);
  },
  { room: ({ params }) => params.room },
);
