import { Hypern } from "../../src/index.js";
import type { BundleEnv } from "./env.js";

/** Echo on `/echo/:room`, each room a hibernating Durable Object: with this library. */
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
