import type { ServerWebSocket } from "../src/index.js";

/**
 * Sends every message back: text prefixed with "echo: ", binary as the same bytes. The loop ends when the client
 * leaves.
 */
export async function echo(ws: ServerWebSocket): Promise<void> {
  await ws.accept();
  for await (const message of ws.iter()) {
    if (message.type === "text") ws.sendText(`echo: ${message.data}`);
    else ws.sendBytes(message.data);
  }
}
