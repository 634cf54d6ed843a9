import { WebSocketDisconnect, WebSocketRoom, WebSocketRouter } from "../../src/index.js";

/** Made once per isolate: every room object in it shares this module, and so these rooms. */
const shared = new WebSocketRoom("shared");
const other = new WebSocketRoom("other");
let isolateToken: string | undefined;
/** Made on first use: a Worker may not make random values at module scope (wrangler dev refuses). */
const isolate = (): string => (isolateToken ??= crypto.randomUUID());

type Command =
  | { op: "join" | "leave" | "joinOther" | "size" }
  | { op: "broadcast" | "broadcastJson"; text: string; exclude?: string[] | string }
  | { op: "broadcastBytes"; bytes: number[]; exclude?: string[] }
  | { op: "closeAll"; code?: number; reason?: string };

/**
 * Drives `WebSocketRoom` from the client: each JSON command gets a `{ reply }` with the room's
 * size and members afterwards; broadcasts from others arrive as they are.
 */
export const rooms = new WebSocketRouter<Env>().route(
  "/room/:object",
  async (ws) => {
    await ws.accept();
    try {
      for (;;) {
        const command = await ws.receiveJson<Command>();
        switch (command.op) {
          case "join":
            shared.join(ws);
            break;
          case "joinOther":
            other.join(ws);
            break;
          case "leave":
            shared.leave(ws);
            break;
          case "broadcast":
            shared.broadcast(command.text, { exclude: command.exclude });
            break;
          case "broadcastJson":
            shared.broadcastJson({ text: command.text }, { exclude: command.exclude });
            break;
          case "broadcastBytes":
            shared.broadcastBytes(new Uint8Array(command.bytes), {
              exclude: command.exclude ? new Set(command.exclude) : undefined,
            });
            break;
          case "closeAll":
            shared.closeAll(command.code, command.reason);
            break;
          case "size":
            break;
        }
        if (ws.isConnected) {
          ws.sendJson({
            reply: command.op,
            id: ws.id,
            size: await shared.size(),
            connections: (await shared.getConnections()).map(({ id }) => id).sort(),
            otherSize: await other.size(),
            isolate: isolate(),
          });
        }
      }
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
  },
  { roomObject: ({ params }) => params.object },
);
