import { TimeoutError, WebSocketRoom, WebSocketRouter } from "../../src/index.js";

/** Members of the app's alarm broadcast (see TestRooms.alarm in index.ts). */
export const ticker = new WebSocketRoom("ticker");

/**
 * Receives with a timeout of `?ms=` in a loop: each message is echoed as `got:<text>`, each timeout
 * reported as `timeout:<resumed>` (so a test can see it came to a handler rerun after a real eviction).
 * `?then=` is the timeout of the receives after the first timeout (default: `ms` again), so that a test
 * can tell a timeout that came twice from the next one. `?tick` joins the ticker room.
 */
export const deadlines = new WebSocketRouter<Env>().route(
  "/deadline/:object",
  async (ws) => {
    await ws.accept();
    let ms = Number(ws.queryParams.get("ms"));
    const then = ws.queryParams.has("then") ? Number(ws.queryParams.get("then")) : ms;
    if (!ws.rerun) {
      if (ws.queryParams.has("tick")) ticker.join(ws);
      ws.sendText("ready");
    }
    for (;;) {
      try {
        ws.sendText(`got:${await ws.receiveText({ timeout: ms })}`);
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        ws.sendText(`timeout:${ws.rerun}`);
        ms = then;
      }
    }
  },
  { roomObject: ({ params }) => params.object },
);
