import { WebSocketDisconnect } from "../src/index.js";
import type { ServerWebSocket } from "../src/index.js";

/** Sends every text message back, prefixed. */
export async function echo(ws: ServerWebSocket): Promise<void> {
  await ws.accept();
  try {
    for (;;) ws.sendText(`echo: ${await ws.receiveText()}`);
  } catch (error) {
    if (!(error instanceof WebSocketDisconnect)) throw error;
  }
}
