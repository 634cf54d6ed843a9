import { WebSocketRoom, WebSocketRouter } from "../../src/index.js";

/** The chaos matrix's rooms: one with history (kept 1.5 s), one without. */
const remembered = new WebSocketRoom("chaos-history", { history: { maxAgeMs: 1_500 } });
const forgotten = new WebSocketRoom("chaos");

/**
 * The chaos matrix's handler (test/workerd/chaos.property.test.ts): each text message is broadcast to
 * the whole room as `b:<text>`, then answered to its sender alone as `d:<text>`. `?history` joins the
 * room with history. In one object (`/chaos/:room`) and in shards of two (`/chaos-sharded/:room`);
 * sessions last 1.5 s after a drop.
 */
export const chaos = new WebSocketRouter<Env>();
for (const [path, shards] of [
  ["/chaos/:room", undefined],
  ["/chaos-sharded/:room", { maxConnections: 2 }],
] as const) {
  chaos.route(
    path,
    async (ws) => {
      await ws.accept();
      const room = ws.queryParams.has("history") ? remembered : forgotten;
      if (!ws.rerun && !ws.recovered) room.join(ws);
      for await (const text of ws.iterText()) {
        await room.broadcast(`b:${text}`);
        ws.sendText(`d:${text}`);
      }
    },
    {
      roomObject: ({ params }) => params.room,
      sessions: { window: 1_500 },
      ...(shards === undefined ? {} : { shards }),
    },
  );
}
