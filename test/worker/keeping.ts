import { WebSocketRoom, WebSocketRouter } from "../../src/index.js";
import type { RoomMember } from "../../src/index.js";
import { gate } from "./gates.js";

const kept = new WebSocketRoom("kept", { history: { limit: 100 } });
/** A second room with history every connection is in too. */
const keptToo = new WebSocketRoom("kept-too", { history: { limit: 100 } });

/**
 * What a handler sends while its client is away is kept for the client's resume. Commands:
 * `slow:<text>` broadcasts `<text>`, waits 300 ms (the client drops, or the server restarts, meanwhile)
 * and replies `reply:<text>`; `collect` keeps handles to the other members; `tell` sends `told` to
 * each of them; `flood:<n>:<size>` waits 300 ms (`flood:<n>:<size>:<gate>`: until the test opens that
 * gate, see gates.ts), then sends n messages of size characters; `seq:<tag>:<n>` broadcasts `<tag>-b<i>`, sends its
 * own client `<tag>-d<i>` and broadcasts `<tag>-c<i>` into the second room, for each i below n, awaiting each
 * broadcast. A session
 * keeps at most 2,000 bytes for its client. In one object (`/keep/:room`) and with one connection per
 * shard (`/keep-sharded/:room`).
 */
export const keeping = new WebSocketRouter<Env>();
for (const [path, shards] of [
  ["/keep/:room", undefined],
  ["/keep-sharded/:room", { maxConnections: 1 }],
] as const) {
  keeping.route(
    path,
    async (ws) => {
      await ws.accept();
      if (!ws.rerun && !ws.recovered) {
        kept.join(ws);
        keptToo.join(ws);
      }
      let others: RoomMember[] = [];
      for await (const text of ws.iterText()) {
        if (text.startsWith("slow:")) {
          await kept.broadcast(text.slice("slow:".length));
          await new Promise((resolve) => setTimeout(resolve, 300));
          ws.sendText(`reply:${text.slice("slow:".length)}`);
        } else if (text === "collect") {
          others = (await kept.getConnections()).filter(({ id }) => id !== ws.id);
          ws.sendText(`collected:${others.length}`);
        } else if (text.startsWith("flood:")) {
          const [n, size, key] = text.slice("flood:".length).split(":") as [string, string, string | undefined];
          await (key === undefined ? new Promise((resolve) => setTimeout(resolve, 300)) : gate(key));
          for (let i = 0; i < Number(n); i++) ws.sendText(`${i}:`.padEnd(Number(size), "f"));
        } else if (text.startsWith("seq:")) {
          const [tag, n] = text.slice("seq:".length).split(":") as [string, string];
          for (let i = 0; i < Number(n); i++) {
            await kept.broadcast(`${tag}-b${i}`);
            ws.sendText(`${tag}-d${i}`);
            await keptToo.broadcast(`${tag}-c${i}`);
          }
        } else if (text === "tell") {
          const reached = await Promise.all(others.map((other) => other.sendText("told")));
          ws.sendText(`told:${reached.filter(Boolean).length}`);
        }
      }
    },
    {
      roomObject: ({ params }) => params.room,
      sessions: { window: 5_000, maxUnacknowledgedBytes: 2_000 },
      ...(shards === undefined ? {} : { shards }),
    },
  );
}

const fleeting = new WebSocketRoom("fleeting", { history: { maxAgeMs: 300 } });

/** A room whose history keeps entries 300 ms: every text is broadcast into it. */
export const fleetingRoute = new WebSocketRouter<Env>().route(
  "/fleeting/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.rerun) fleeting.join(ws);
    for await (const text of ws.iterText()) await fleeting.broadcast(text);
  },
  { roomObject: ({ params }) => params.room },
);
