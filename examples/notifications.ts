import { WebSocketDisconnect, WebSocketRoom, WebSocketRouter } from "../src/index.js";

const subscribers = new WebSocketRoom("notifications");

/** A router mounted by the app under a prefix: `/ws/notifications` (one room: no placement) receives what `POST /api/notify` sends. */
export const notifications = new WebSocketRouter<Env>().route(
  "/notifications",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) {
      subscribers.join(ws);
      ws.sendJson({ type: "subscribed", id: ws.id });
    }
    try {
      // Subscribers only listen; anything they send is ignored.
      for (;;) await ws.receive();
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
  },
);
