import { WebSocketRoom, WebSocketRouter } from "../../src/index.js";
import type { RouteParams, ServerWebSocket } from "../../src/index.js";
import { gate } from "./gates.js";
import { report } from "./reports.js";

/** Everyone's messages, logged: the room's history is what resuming clients are replayed from. */
const talk = new WebSocketRoom("talk", { history: { limit: 5_000 } });
/** A room that keeps only its last 5 broadcasts, to reach a trimmed gap cheaply. */
const brief = new WebSocketRoom("brief", { history: { limit: 5 } });

type SessionSocket = ServerWebSocket<RouteParams<"/session/:room">, { name: string }>;

/**
 * A chat on a route with sessions: every text is broadcast to everyone, its sender included, so every member's log is
 * the whole conversation (`?excludeSelf`: all but the sender). `?brief` uses the 5-entry room. Commands: `!direct:<n>`
 * sends n numbered direct messages to the sender; `!cookie` the length of its Cookie header; `!clear` clears the room's
 * history; `!who` reports. `?slow`: a new session's first handler waits 300 ms before it reads, so a burst overflows
 * its queue; `?gate=<key>`: it waits until the test opens that gate (gates.ts). Each handler run reports `{ started,
 * recovered, resumed }` under `?report=`, and `{ ended, recovered }` under `?ends=` when it ends (returns or throws).
 */
export const sessions = new WebSocketRouter<Env>().route(
  "/session/:room",
  async (ws: SessionSocket) => {
    const room = ws.queryParams.has("brief") ? brief : talk;
    await ws.accept();
    report(ws.queryParams.get("report"), {
      id: ws.id,
      recovered: ws.recovered,
      resumed: ws.rerun,
      name: ws.data?.name ?? null,
    });
    if (!ws.rerun && !ws.recovered) {
      ws.setData({ name: ws.queryParams.get("name") ?? "someone" });
      room.join(ws);
      if (ws.queryParams.has("late")) await room.sendHistory(ws, { last: 3 });
      if (ws.queryParams.has("slow")) await new Promise((resolve) => setTimeout(resolve, 300));
      const key = ws.queryParams.get("gate");
      if (key !== null) await gate(key);
    }
    try {
      for await (const text of ws.iterText()) {
        if (text.startsWith("!direct:")) {
          for (let i = 1; i <= Number(text.slice(8)); i++) ws.sendText(`direct ${i}`);
        } else if (text === "!cookie") {
          ws.sendText(`cookie ${ws.headers.get("cookie")?.length ?? 0}`);
        } else if (text === "!clear") {
          await room.clearHistory();
        } else {
          await room.broadcast(text, ws.queryParams.has("excludeSelf") ? { exclude: ws.id } : undefined);
        }
      }
    } finally {
      report(ws.queryParams.get("ends"), { ended: ws.id, recovered: ws.recovered });
    }
  },
  { roomObject: ({ params }) => params.room, sessions: { window: 2_000, maxUnacknowledged: 200 } },
);

const mixedTalk = new WebSocketRoom("mixed-talk", { history: true });

/** Relays every text to the room, its sender included. */
async function relay(ws: ServerWebSocket<RouteParams<"/mixed/plain/:room">>): Promise<void> {
  await ws.accept();
  if (!ws.rerun && !ws.recovered) mixedTalk.join(ws);
  for await (const text of ws.iterText()) mixedTalk.broadcast(text);
}

/**
 * Two routes in one group, so in the same room objects: the first without sessions, the second with them. A room
 * object asks its sockets for sessions when a route of its group has them.
 */
export const mixedGroup = new WebSocketRouter<Env>()
  .route("/mixed/plain/:room", relay, { roomObject: ({ params }) => params.room, group: "mixed" })
  .route("/mixed/session/:room", relay, { roomObject: ({ params }) => params.room, group: "mixed", sessions: true });
