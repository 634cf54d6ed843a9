import { Hypern, WebSocketDisconnect, WebSocketError, WebSocketRoom } from "../../src/index.js";
import { report } from "./reports.js";
import { STRICT_LIMITS } from "./strict-limits.js";

export { STRICT_LIMITS };

export const strict = new Hypern<Env>({
  binding: "STRICT",
  limits: STRICT_LIMITS,
  verbose: true,
  origins: ["https://good.example"],
  authorize: ({ request, route }) => {
    const token = new URL(request.url).searchParams.get("token");
    if (token === null) return new Response("Sign in first", { status: 401 });
    return { user: token, route };
  },
});

strict.ws(
  "/strict/room/:room",
  async (ws) => {
    await ws.accept();
    const key = ws.queryParams.get("report");
    ws.sendJson({ data: ws.data ?? null, resumed: ws.rerun, headers: [...ws.headers.keys()] });
    try {
      for (;;) {
        const text = await ws.receiveText();
        if (text === "wait") {
          // Stops reading, so that messages queue up.
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        } else if (text.startsWith("flood:")) {
          // Sends n messages of size characters: past the outbound budget, a send raises the disconnect.
          const [n, size] = text.slice(6).split(":").map(Number) as [number, number];
          for (let i = 0; i < n; i++) ws.sendText(`${i}:`.padEnd(size, "f"));
        } else if (text.startsWith("data:")) {
          try {
            ws.setData(JSON.parse(text.slice(5)));
            ws.sendJson({ data: ws.data });
          } catch (error) {
            if (!(error instanceof WebSocketError)) throw error;
            ws.sendJson({ error: error.name, message: error.message, data: ws.data });
          }
        } else {
          ws.sendText(`ok:${text.length}`);
        }
      }
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
      report(key, { code: error.code, reason: error.reason });
    }
  },
  { roomObject: ({ params }) => params.room },
);

/**
 * Reads nothing for a moment (so messages queue up), then everything: what it received before the
 * disconnect is reported with the disconnect.
 */
strict.ws(
  "/strict/late-reader/:room",
  async (ws) => {
    await ws.accept();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const received: string[] = [];
    try {
      for (;;) received.push(await ws.receiveText());
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
      report(ws.queryParams.get("report"), { received, code: error.code });
    }
  },
  { roomObject: ({ params }) => params.room },
);

/** A log behind the strict outbound budget (8 KiB at once), for replays larger than it. */
const strictLog = new WebSocketRoom("strict-log", { history: { limit: 100 } });

/** A session route: `n:size` broadcasts n entries of size characters to everyone but the sender. */
strict.ws(
  "/strict/session/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.recovered && !ws.rerun) strictLog.join(ws);
    for await (const text of ws.iterText()) {
      const [n, size] = text.split(":").map(Number) as [number, number];
      for (let i = 0; i < n; i++) await strictLog.broadcast(`${i}:`.padEnd(size, "f"), { exclude: ws.id });
    }
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);

/**
 * Presence behind the strict outbound budget: two rooms with presence, and a log for replays larger than the budget.
 */
const strictPeople = new WebSocketRoom<{ user: string }>("strict-present", {
  presence: { key: (data, id) => data?.user ?? id },
});
const strictCrowd = new WebSocketRoom("strict-counted", { presence: { countsOnly: true } });
const strictChatter = new WebSocketRoom("strict-chatter", { history: { limit: 1_000 } });

/**
 * A session route: each connection joins `strict-chatter`, `strict-present` (as `?token=`) and `strict-counted`; `n`
 * broadcasts n one-character entries to everyone but the sender.
 */
strict.ws(
  "/strict/who/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.recovered && !ws.rerun) {
      ws.setData({ user: ws.queryParams.get("token") ?? "someone" });
      for (const room of [strictChatter, strictPeople, strictCrowd]) room.join(ws);
    }
    for await (const text of ws.iterText())
      for (let i = 0; i < Number(text); i++) await strictChatter.broadcast("x", { exclude: ws.id });
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);

export class StrictRooms extends strict.RoomObject {}
