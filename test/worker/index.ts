import { AutoRouter } from "itty-router";
import { Hypern, WebSocketRouter } from "../../src/index.js";
import { basics } from "./basics.js";
import { constructions, hibernation } from "./hibernation.js";
import { rooms } from "./rooms.js";
import { counter } from "./counter.js";
import { deadlines, ticker } from "./deadlines.js";
import { crowds } from "./crowd.js";
import { order } from "./order.js";
import { chaos } from "./chaos.js";
import { liveness } from "./liveness.js";
import { who } from "./who.js";
import { fleetingRoute, keeping } from "./keeping.js";
import { presence } from "./presence.js";
import { mixedGroup, sessions } from "./sessions.js";
import { miswired, placement } from "./placement.js";
import { script } from "./script.js";
import { QUEUE_BOUND } from "./queue-bound.js";
import { strict } from "./strict.js";
import { core } from "./core.js";

export { StrictRooms } from "./strict.js";
export { CoreRooms } from "./core.js";
export { PlainObject } from "./placement.js";

const http = AutoRouter();

// No rate limit here: the eviction storm sends 10,000 messages at once. test/worker/strict.ts has one.
const app = new Hypern<Env>({
  limits: { maxQueuedMessages: QUEUE_BOUND, messagesPerSecond: Number.POSITIVE_INFINITY },
  fallback: (request, env, ctx) => http.fetch(request, env, ctx),
});

app
  .include(basics)
  .include(rooms)
  .include(hibernation)
  .include(counter)
  .include(script)
  .include(placement)
  .include(deadlines)
  .include(presence)
  .include(sessions)
  .include(mixedGroup)
  .include(crowds)
  .include(order)
  .include(keeping)
  .include(fleetingRoute)
  .include(chaos)
  .include(liveness)
  .include(who);

const mounted = new WebSocketRouter<Env>().route("/notifications/:topic", async (ws) => {
  await ws.accept();
  ws.sendJson({ mounted: ws.path, topic: ws.params.topic });
  ws.close();
});
app.include(mounted, { prefix: "/ws/" });

// Rooms of the /room/:object route from plain Worker code, over RPC.
const roomOf = (request: { params: Record<string, string | undefined> }, env: Env) =>
  app.roomObject(env, request.params.object ?? "", { route: "/room/:object" });

http.post("/push/:object", async (request, env: Env) => {
  const exclude = new URL(request.url).searchParams.getAll("exclude");
  return Response.json({ sent: await roomOf(request, env).broadcast(await request.text(), { exclude }) });
});
http.post("/push-json/:object", async (request, env: Env) =>
  Response.json({ sent: await roomOf(request, env).broadcastJson(await request.json()) }),
);
http.post("/push-bytes/:object", async (request, env: Env) =>
  Response.json({ sent: await roomOf(request, env).broadcastBytes(await request.arrayBuffer()) }),
);
http.get("/connections/:object", async (request, env: Env) => {
  const room = roomOf(request, env);
  return Response.json({ ids: (await room.getConnections()).map(({ id }) => id).sort(), size: await room.size() });
});
http.post("/close/:object", async (request, env: Env) => {
  const code = Number(new URL(request.url).searchParams.get("code") ?? 1000);
  try {
    await roomOf(request, env).closeAll(code, "closed by the server");
    return Response.json({ ok: true });
  } catch (error) {
    return Response.json({ error: (error as Error).name, message: (error as Error).message }, { status: 400 });
  }
});

export { app };

/**
 * `/strict/*` goes to the strict app, `/core/*` to the one without features, everything else to the main one (whose
 * fallback is `http`).
 */
export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/strict/")) return strict.fetch(request, env, ctx);
    if (pathname.startsWith("/core/")) return core.fetch(request, env, ctx);
    if (pathname === "/miswired") return miswired.fetch(request, env, ctx);
    return app.fetch(request, env, ctx);
  },
};

export class TestRooms extends app.RoomObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const name = ctx.id.name ?? ctx.id.toString();
    constructions.set(name, (constructions.get(name) ?? 0) + 1);
  }

  /** The app's own use of the alarm, next to the library's receive deadlines: an RPC method sets it... */
  async scheduleTick(inMs: number): Promise<number | null> {
    await this.ctx.storage.setAlarm(Date.now() + inMs);
    return this.ctx.storage.getAlarm();
  }

  /** ...and the alarm posts into a room: rooms work in the room object's own methods. */
  override async alarm(): Promise<void> {
    await ticker.broadcast("tick");
  }
}
