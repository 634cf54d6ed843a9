// An app that keeps room history and uses no sessions or shards, built on hypern-workers/core: its bundle
// carries only the feature it adds.
import { Hypern, WebSocketRoom } from "hypern-workers/core";
import { history } from "hypern-workers/features";

const app = new Hypern<Env>({ features: [history] });
const news = new WebSocketRoom("news", { history: true });

app.ws("/news", async (ws) => {
  await ws.accept();
  await news.sendHistory(ws);
  news.join(ws);
  for await (const text of ws.iterText()) news.broadcast(text);
});

export default app;
export class Rooms extends app.RoomObject {}
