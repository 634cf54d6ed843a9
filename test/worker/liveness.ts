import { WebSocketRouter } from "../../src/index.js";
import { report } from "./reports.js";

/**
 * Routes with a heartbeat: a quick one (`/beat/:room`, every 100 ms, silent for 400 ms: closed) and a
 * slow one (`/beat-slow/:room`, closed after a minute). Each echoes text and reports how each
 * connection ended under `?report=`; sessions too, for session clients.
 */
export const liveness = new WebSocketRouter<Env>();
for (const [path, heartbeat] of [
  ["/beat/:room", { intervalMs: 100, timeoutMs: 400 }],
  ["/beat-slow/:room", { intervalMs: 30_000, timeoutMs: 60_000 }],
] as const) {
  liveness.route(
    path,
    async (ws) => {
      await ws.accept();
      try {
        for await (const text of ws.iterText()) ws.sendText(`echo:${text}`);
      } finally {
        report(ws.queryParams.get("report"), { id: ws.id, closed: ws.closed });
      }
    },
    { roomObject: ({ params }) => params.room, heartbeat, sessions: { window: 5_000 } },
  );
}
