import { WebSocketDisconnect, WebSocketRoom, WebSocketRouter } from "../../src/index.js";
import { report } from "./reports.js";

const members = new WebSocketRoom("members");

/** Counts room object constructions per object name (`ctx.id.name`), so tests can see that a real eviction happened. */
export const constructions = new Map<string, number>();

/**
 * A handler with one-time effects guarded by `resumed`, per-connection data, room membership and a
 * disconnect path: what hibernation must preserve. Text commands:
 * `who`, `headers`, `set:<json>`, `join`, `say:<text>`, `closeAll`, `n:<i>` (echoed back).
 */
export const hibernation = new WebSocketRouter<Env>().route(
  "/hib/:object",
  async (ws) => {
    await ws.accept();
    const key = ws.queryParams.get("report");
    report(key, { started: ws.id, resumed: ws.rerun });
    if (!ws.rerun) ws.sendText("hello");
    try {
      for (;;) {
        const text = await ws.receiveText();
        if (text.startsWith("n:")) {
          ws.sendText(text);
        } else if (text === "who") {
          ws.sendJson({
            resumed: ws.rerun,
            id: ws.id,
            params: ws.params,
            path: ws.path,
            header: ws.headers.get("x-test"),
            query: ws.queryParams.get("q"),
            data: ws.data ?? null,
            members: (await members.getConnections()).map(({ id }) => id).sort(),
            size: await members.size(),
          });
        } else if (text.startsWith("set:")) {
          ws.setData(JSON.parse(text.slice(4)));
          ws.sendText("set");
        } else if (text === "join") {
          members.join(ws);
          ws.sendText("joined");
        } else if (text === "header-count") {
          const names = [...ws.headers.keys()].filter((name) => name.startsWith("x-h"));
          ws.sendJson({ resumed: ws.rerun, count: names.length, last: ws.headers.get("x-h1299") });
        } else if (text === "headers") {
          ws.sendJson({
            resumed: ws.rerun,
            cookieLength: ws.headers.get("cookie")?.length ?? null,
            xTest: ws.headers.get("x-test"),
          });
        } else if (text === "closeAll") {
          members.closeAll(4006, "closing all");
        } else if (text.startsWith("say:")) {
          members.broadcast(`${ws.id}:${text.slice(4)}`, { exclude: ws.id });
          ws.sendText("said");
        }
      }
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
      report(key, { disconnected: ws.id, resumed: ws.rerun, code: error.code, reason: error.reason });
      try {
        ws.sendText("after the end");
      } catch (sendError) {
        report(key, { sendAfterEnd: sendError instanceof Error ? sendError.name : typeof sendError });
      }
      members.leave(ws);
      members.broadcast(`left:${ws.id}`);
    }
  },
  { roomObject: ({ params }) => params.object },
);
