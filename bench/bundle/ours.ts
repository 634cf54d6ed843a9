import { Hypern } from "../../src/core.js";
import type { BundleEnv } from "./env.js";

/**
 * Echo on `/echo/:room`, each room a hibernating Durable Object: with this library's core (`hypern-workers/core`), as
 * an app that uses no history, sessions or shards is built.
 */
const app = new Hypern<BundleEnv>({ binding: "ROOMS" });

app.ws(
  "/echo/:room",
  async (ws) => {
    await ws.accept();
    for await (const text of ws.iterText()) ws.sendText(text);
  },
  { roomObject: ({ params }) => params.room },
);

export class Room extends app.RoomObject {}
export default app;
