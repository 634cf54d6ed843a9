import type { ServerWebSocket } from "../src/index.js";

/** Sends every text message back, prefixed. The loop ends when the client leaves. */
export async function echo(ws: ServerWebSocket): Promise<void> {
  await ws.accept();
  for await (const text of ws.iterText()) ws.sendText(`echo: ${text}`);
}
