import { WebSocketRoom, WebSocketRouter } from "../../src/index.js";

/** People by user (`?user=`): one entry for all of a user's connections. */
const people = new WebSocketRoom<{ user: string; mood?: string }>("present", {
  presence: { key: (data, id) => data?.user ?? id },
});
/** A crowd that only counts. */
const crowd = new WebSocketRoom("counted", { presence: { countsOnly: true } });

/**
 * Presence, in one object (`/who/:room`) and with one connection per shard (`/who-sharded/:room`):
 * each connection joins `present` as `?user=` (and `counted`); `mood:<m>` changes its data; `who` answers
 * the handler's view of the room's presence; `leave` leaves `present`. With `?leaveAtEnd`, the handler
 * leaves `present` once its loop ends, as handlers often do.
 */
export const who = new WebSocketRouter<Env>();
for (const [path, shards] of [
  ["/who/:room", undefined],
  ["/who-sharded/:room", { maxConnections: 1 }],
] as const) {
  who.route(
    path,
    async (ws) => {
      await ws.accept();
      if (!ws.rerun && !ws.recovered) {
        ws.setData({ user: ws.queryParams.get("user") ?? "someone" });
        people.join(ws);
        crowd.join(ws);
      }
      for await (const text of ws.iterText()) {
        if (text.startsWith("mood:"))
          ws.setData({ user: (ws.data as { user?: string } | undefined)?.user ?? "someone", mood: text.slice(5) });
        else if (text === "who") ws.sendJson({ who: (await people.presence()).entries });
        else if (text === "leave") people.leave(ws);
      }
      if (ws.queryParams.has("leaveAtEnd")) people.leave(ws);
    },
    {
      roomObject: ({ params }) => params.room,
      sessions: { window: 1_500 },
      ...(shards === undefined ? {} : { shards }),
    },
  );
}
