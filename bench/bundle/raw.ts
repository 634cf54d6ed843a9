import { DurableObject } from "cloudflare:workers";
import type { BundleEnv } from "./env.js";
import { echoRoom } from "./env.js";

/** Echo on `/echo/:room`, each room a hibernating Durable Object: on the Hibernation API alone. */
export class Room extends DurableObject<BundleEnv> {
  override fetch(): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    ws.send(message);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (code !== 1005 && code !== 1006 && code !== 1015) ws.close(code, reason);
  }
}

export default {
  fetch(request: Request, env: BundleEnv): Response | Promise<Response> {
    const room = echoRoom(request);
    if (room === null) return new Response("Not found", { status: 404 });
    return env.ROOMS.get(env.ROOMS.idFromName(room)).fetch(request);
  },
};
