import { WebSocketDisconnect, WebSocketRouter } from "../../src/index.js";

/** Keeps a count in the room object's storage: state that must outlive the object itself. */
export const counter = new WebSocketRouter<Env>().route(
  "/counter/:name",
  async (ws, _env, ctx) => {
    await ws.accept();
    try {
      for (;;) {
        if ((await ws.receiveText()) !== "inc") continue;
        const count = ((await ctx.storage.get<number>("count")) ?? 0) + 1;
        await ctx.storage.put("count", count);
        ws.sendText(String(count));
      }
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
  },
  { roomObject: ({ params }) => params.name },
);
