import { WebSocketRoom, WebSocketRouter } from "../../src/index.js";

const ordered = new WebSocketRoom("ordered");

/**
 * One handler's sends and broadcasts, interleaved, for the order guarantee: on "go:<round>" it makes,
 * in this order, a broadcast not awaited (1), a send to its own client (2), an awaited broadcast (3),
 * a send to every other member (4), a send to its own client (5), a broadcast not awaited (6), a send
 * to every other member not awaited (7) and a send to its own client (8), each `<round>:<n>`. The same
 * handler in one object (`/order/:room`) and in a room of one connection per shard (`/order-sharded/:room`).
 */
export const order = new WebSocketRouter<Env>();
for (const [path, shards] of [
  ["/order/:room", undefined],
  ["/order-sharded/:room", { maxConnections: 1 }],
] as const) {
  order.route(
    path,
    async (ws) => {
      await ws.accept();
      if (!ws.rerun) ordered.join(ws);
      ws.sendText("joined");
      for await (const text of ws.iterText()) {
        const round = text.slice("go:".length);
        const others = (await ordered.getConnections()).filter(({ id }) => id !== ws.id);
        void ordered.broadcast(`${round}:1`);
        ws.sendText(`${round}:2`);
        await ordered.broadcast(`${round}:3`);
        for (const other of others) await other.sendText(`${round}:4`);
        ws.sendText(`${round}:5`);
        void ordered.broadcast(`${round}:6`);
        for (const other of others) void other.sendText(`${round}:7`);
        ws.sendText(`${round}:8`);
      }
    },
    { roomObject: ({ params }) => params.room, ...(shards === undefined ? {} : { shards }) },
  );
}
