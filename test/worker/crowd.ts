import { WebSocketRoom, WebSocketRouter } from "../../src/index.js";
import type { RouteParams, ServerWebSocket } from "../../src/index.js";
import { gate } from "./gates.js";
import { report } from "./reports.js";

/** Everyone in a room that spans several objects (shards of at most 10 connections). */
const crowd = new WebSocketRoom<{ name: string }>("crowd", { history: { limit: 100 } });

/**
 * A sharded room with sessions: every member in a shard of its own (`/crowd-session`), or two to a
 * shard (`/crowd-pair`: `?delay=ms` before accepting, or `?gate=<key>`: reports "at the gate" under
 * that key and waits until the test opens it (gates.ts); `?late` sends the last 3 of the history on
 * joining); every text broadcast to all but `!clear` (clears the history), `!nothing` (does
 * nothing: its acknowledgement says the handler is done with what came before) and `!held:<text>` (on
 * `/crowd-session`: broadcasts `<text>` without waiting, then sends its own client `direct:<text>`, which waits for
 * that broadcast to come back through the stream, and `kept:<n>`: how many direct messages the shard's storage
 * held right after).
 */
const crowdTalk = new WebSocketRoom("crowd-talk", { history: { limit: 1_000 } });

type Command =
  | { say: string; excludeMe?: boolean }
  | { ask: "size" }
  | { ask: "who" }
  | { ask: "history"; since?: { epoch: string; offset: number } }
  | { closeAll: number };

/**
 * A sharded room: JSON commands broadcast (`say`, to everyone or all but the sender), ask the whole room's size,
 * members, recent history (the last 3, or all since a position), or close everyone. Replies carry `reply`; broadcasts
 * come as `{ said, by }`. On join: `{ joined: id, shard }` where the shard is this object's name.
 */
export const crowds = new WebSocketRouter<Env>()
  .route(
    "/crowd/:room",
    async (ws: ServerWebSocket<RouteParams<"/crowd/:room">, { name: string }>, _env, ctx) => {
      await ws.accept();
      if (!ws.rerun) {
        ws.setData({ name: ws.queryParams.get("name") ?? "someone" });
        crowd.join(ws);
        ws.sendJson({ joined: ws.id, object: ctx.id.name });
      }
      for await (const command of ws.iterJson<Command>()) {
        if ("say" in command) {
          await crowd.broadcastJson(
            { said: command.say, by: ws.data?.name },
            command.excludeMe ? { exclude: ws.id } : undefined,
          );
        } else if ("closeAll" in command) {
          await crowd.closeAll(command.closeAll, "closing the crowd");
        } else if (command.ask === "size") {
          ws.sendJson({ reply: "size", size: await crowd.size() });
        } else if (command.ask === "who") {
          ws.sendJson({ reply: "who", names: (await crowd.getConnections()).map(({ data }) => data?.name).sort() });
        } else {
          try {
            const { epoch, entries } = await crowd.history(
              command.since === undefined ? { last: 3 } : { since: command.since },
            );
            ws.sendJson({ reply: "history", epoch, entries: entries.map(({ offset, data }) => ({ offset, data })) });
          } catch (error) {
            ws.sendJson({ reply: "history", error: (error as Error).message });
          }
        }
      }
      crowd.leave(ws);
    },
    { roomObject: ({ params }) => params.room, shards: { maxConnections: 10 } },
  )
  .route(
    "/crowd-session/:room",
    async (ws: ServerWebSocket<RouteParams<"/crowd-session/:room">>, _env, ctx) => {
      await ws.accept();
      if (!ws.rerun && !ws.recovered) crowdTalk.join(ws);
      for await (const text of ws.iterText()) {
        if (text.startsWith("!held:")) {
          void crowdTalk.broadcast(text.slice("!held:".length));
          ws.sendText(`direct:${text.slice("!held:".length)}`);
          const kept = ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM hypern_kept").one().n;
          ws.sendText(`kept:${kept}`);
        } else if (text === "!clear") await crowdTalk.clearHistory();
        else if (text !== "!nothing") await crowdTalk.broadcast(text);
      }
    },
    {
      roomObject: ({ params }) => params.room,
      shards: { maxConnections: 1 },
      sessions: { window: 2_000, maxUnacknowledged: 200 },
    },
  )
  .route(
    "/crowd-pair/:room",
    async (ws: ServerWebSocket<RouteParams<"/crowd-pair/:room">>) => {
      const delay = Number(ws.queryParams.get("delay") ?? 0);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const key = ws.queryParams.get("gate");
      if (key !== null) {
        report(key, "at the gate");
        await gate(key);
      }
      await ws.accept();
      if (!ws.rerun && !ws.recovered) {
        crowdTalk.join(ws);
        if (ws.queryParams.has("late")) await crowdTalk.sendHistory(ws, { last: 3 });
      }
      for await (const text of ws.iterText()) await crowdTalk.broadcast(text);
    },
    {
      roomObject: ({ params }) => params.room,
      shards: { maxConnections: 2 },
      sessions: { window: 2_000, maxUnacknowledged: 200 },
    },
  );
