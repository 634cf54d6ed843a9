import { Hypern, WebSocketRoom } from "../../src/core.js";

/** An app on `hypern-workers/core`: no history, sessions or shards in it. */
export const core = new Hypern<Env>({ binding: "CORE" });

const lobby = new WebSocketRoom("core-lobby");
const kept = new WebSocketRoom("core-kept", { history: { limit: 10 } });

core.ws(
  "/core/echo/:room",
  async (ws) => {
    await ws.accept();
    lobby.join(ws);
    for await (const text of ws.iterText()) {
      if (text === "all") lobby.broadcast(`all: ${ws.params.room}`);
      else ws.sendText(`echo: ${text}`);
    }
  },
  { roomObject: ({ params }) => params.room },
);

/** A room that keeps history, in an app built without it: its handler sends back what the broadcast raised. */
core.ws("/core/history", async (ws) => {
  await ws.accept();
  kept.join(ws);
  for await (const text of ws.iterText()) {
    try {
      kept.broadcast(text);
    } catch (error) {
      ws.sendText(error instanceof Error ? error.message : String(error));
    }
  }
});

export class CoreRooms extends core.RoomObject {}
