import { AutoRouter } from "itty-router";
import { Hypern, WebSocketRouter } from "../../src/index.js";
import { basics } from "./basics.js";
import { constructions, hibernation } from "./hibernation.js";
import { rooms } from "./rooms.js";
import { counter } from "./counter.js";
import { script } from "./script.js";
import { strict } from "./strict.js";

export { StrictRooms } from "./strict.js";

const http = AutoRouter();

/** A small queue bound so that overflow is cheap to reach. */
export const QUEUE_BOUND = 16;

// No rate limit here: the eviction storm sends 10,000 messages at once. test/worker/strict.ts has one.
const app = new Hypern<Env>({
  limits: { maxQueuedMessages: QUEUE_BOUND, messagesPerSecond: Number.POSITIVE_INFINITY },
  fallback: (request, env, ctx) => http.fetch(request, env, ctx),
});

app.include(basics).include(rooms).include(hibernation).include(counter).include(script);

const mounted = new WebSocketRouter<Env>().route(
  "/notifications/:topic",
  async (ws) => {
    await ws.accept();
    ws.sendJson({ mounted: ws.path, topic: ws.params.topic });
    ws.close();
  },
);
app.include(mounted, { prefix: "/ws/" });

// Room objects from plain Worker code, over RPC.
http.post("/push/:object", async (request, env: Env) => {
  const exclude = new URL(request.url).searchParams.getAll("exclude");
  return Response.json({ sent: await app.room(env, request.params.object ?? "").broadcast(await request.text(), { exclude }) });
});
http.post("/push-json/:object", async (request, env: Env) =>
  Response.json({ sent: await app.room(env, request.params.object ?? "").broadcastJson(await request.json()) }),
);
http.post("/push-bytes/:object", async (request, env: Env) =>
  Response.json({ sent: await app.room(env, request.params.object ?? "").broadcastBytes(await request.arrayBuffer()) }),
);
http.get("/connections/:object", async (request, env: Env) => {
  const room = app.room(env, request.params.object ?? "");
  return Response.json({ ids: (await room.getConnections()).sort(), size: await room.size() });
});
http.post("/close/:object", async (request, env: Env) => {
  const code = Number(new URL(request.url).searchParams.get("code") ?? 1000);
  try {
    await app.room(env, request.params.object ?? "").closeAll(code, "closed by the server");
    return Response.json({ ok: true });
  } catch (error) {
    return Response.json({ error: (error as Error).name, message: (error as Error).message }, { status: 400 });
  }
});

export { app };

/** `/strict/*` goes to the strict app, everything else to the main one (whose fallback is `http`). */
export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    return new URL(request.url).pathname.startsWith("/strict/") ? strict.fetch(request, env, ctx) : app.fetch(request, env, ctx);
  },
};

export class TestRooms extends app.RoomObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const id = ctx.id.toString();
    constructions.set(id, (constructions.get(id) ?? 0) + 1);
  }
}
