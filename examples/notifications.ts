import { WebSocketRoom, WebSocketRouter } from "../src/index.js";

const subscribers = new WebSocketRoom("notifications");

/**
 * A router mounted by the app under a prefix: `/ws/notifications` (one room: no placement) receives what `POST
 * /api/notify` sends.
 */
export const notifications = new WebSocketRouter<Env>().route("/notifications", async (ws) => {
  await ws.accept();
  if (!ws.rerun) {
    subscribers.join(ws);
    ws.sendJson({ type: "subscribed", id: ws.id });
  }
  // Subscribers only listen; anything they send is ignored until they leave.
  for await (const _ of ws.iter()) continue;
});
