import { DurableObject } from "cloudflare:workers";
import { countsOf } from "./object-counts.js";

/**
 * The floor: a hand-written room on the Hibernation API with nothing but what the scenarios need.
 * Objects named "echo:*" echo each message; others send it to every other socket in the object.
 */
export class RawRoom extends DurableObject {
  readonly #echo: boolean;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    countsOf(ctx).constructions += 1;
    this.#echo = ctx.id.name?.startsWith("echo:") ?? false;
  }

  override fetch(): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (this.#echo) {
      ws.send(message);
      return;
    }
    for (const socket of this.ctx.getWebSockets()) {
      if (socket !== ws) socket.send(message);
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (code !== 1005 && code !== 1006 && code !== 1015) ws.close(code, reason);
  }
}
