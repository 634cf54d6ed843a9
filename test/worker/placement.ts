import { DurableObject } from "cloudflare:workers";
import { Hypern, WebSocketRoom, WebSocketRouter } from "../../src/index.js";

const listeners = new WebSocketRoom("listeners");

/** Joins a room and forwards what it broadcasts; says which object it is in first. */
async function listen(ws: Parameters<Parameters<WebSocketRouter<Env>["route"]>[1]>[0]): Promise<void> {
  await ws.accept();
  if (!ws.rerun) listeners.join(ws);
  ws.sendText("listening");
  for (;;) listeners.broadcast(await ws.receiveText(), { exclude: ws.id });
}

/**
 * Routes whose placement is client input: `/a/:room` and `/b/:room` name their rooms in their own
 * groups, `/c/:room` and `/d/:room` share the group "shared".
 */
export const placement = new WebSocketRouter<Env>()
  .route("/a/:room", listen, { roomObject: ({ params }) => params.room })
  .route("/b/:room", listen, { roomObject: ({ params }) => params.room })
  .route("/c/:room", listen, { roomObject: ({ params }) => params.room, group: "shared" })
  .route("/d/:room", listen, { roomObject: ({ params }) => params.room, group: "shared" })
  .route("/one", listen)
  .route("/bad-placement", listen, { roomObject: () => undefined as unknown as string });

/** An app whose binding names a plain Durable Object class, not its room object. */
export const miswired = new Hypern<Env>({ binding: "PLAIN" });
miswired.ws("/miswired", listen);

/** A Durable Object class that is not an app's room object. */
export class PlainObject extends DurableObject<Env> {}
