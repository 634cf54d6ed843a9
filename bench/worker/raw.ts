import { DurableObject } from "cloudflare:workers";
import { countsOf } from "./object-counts.js";

/**
 * The floor: a hand-written room on the Hibernation API with nothing but what the scenarios need.
 * Objects named "echo:*" echo each message; others send it to every other socket in the object, and
 * those named "joined:*" also tell every other socket of each one accepted (`joined|<n>`), unless its
 * URL has `?quiet` (the members a scenario opens before it measures).
 */
export class RawRoom extends DurableObject {
  readonly #echo: boolean;
  readonly #announceJoins: boolean;
  #joined = 0;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    countsOf(ctx).constructions += 1;
    this.#echo = ctx.id.name?.startsWith("echo:") ?? false;
    this.#announceJoins = ctx.id.name?.startsWith("joined:") ?? false;
  }

  override fetch(request: Request): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    if (this.#announceJoins && !new URL(request.url).searchParams.has("quiet")) {
      const joined = `joined|${++this.#joined}`;
      for (const socket of this.ctx.getWebSockets()) {
        if (socket !== server) socket.send(joined);
      }
    }
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
