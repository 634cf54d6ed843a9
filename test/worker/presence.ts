import { WebSocketError, WebSocketRoom, WebSocketRouter } from "../../src/index.js";
import type { RouteParams, ServerWebSocket } from "../../src/index.js";

interface Person {
  name: string;
  tags?: string[];
}

const people = new WebSocketRoom<Person>("people");

type Command =
  | { op: "who" }
  | { op: "dm"; to: string; text: string }
  | { op: "kick"; id: string }
  | { op: "mutate" }
  | { op: "badData" };

/**
 * Presence: every connection joins as `?name=`; commands list the members with their data, send to
 * one member (dormant or not), close one, and try to change `ws.data` in place. Loops with `iterJson`.
 */
export const presence = new WebSocketRouter<Env>().route(
  "/presence/:object",
  async (ws: ServerWebSocket<RouteParams<"/presence/:object">, Person>) => {
    await ws.accept();
    if (!ws.rerun) {
      ws.setData({ name: ws.queryParams.get("name") ?? "anonymous", tags: ["new"] });
      people.join(ws);
      ws.sendJson({ joined: ws.id });
    }
    for await (const command of ws.iterJson<Command>()) {
      switch (command.op) {
        case "who":
          ws.sendJson({ who: (await people.getConnections()).map(({ id, data }) => ({ id, name: data?.name })) });
          break;
        case "dm": {
          const member = (await people.getConnections()).find(({ id }) => id === command.to);
          ws.sendJson({ sent: (await member?.sendJson({ from: ws.data?.name, text: command.text })) ?? false });
          break;
        }
        case "kick":
          await (await people.getConnections()).find(({ id }) => id === command.id)?.close(4009, "kicked");
          ws.sendJson({ kicked: command.id });
          break;
        case "mutate":
          try {
            (ws.data as Person).name = "changed in place";
            ws.sendJson({ mutated: true });
          } catch (error) {
            ws.sendJson({ mutated: false, error: (error as Error).name, name: ws.data?.name });
          }
          break;
        case "badData":
          try {
            ws.setData({ name: "cyclic", self: {} } as Person);
            const cyclic: Record<string, unknown> = {};
            cyclic.self = cyclic;
            ws.setData(cyclic as unknown as Person);
          } catch (error) {
            ws.sendJson({
              error: error instanceof WebSocketError ? error.message : String(error),
              name: ws.data?.name,
            });
          }
          break;
      }
    }
    // The loop ended quietly: the client left.
    people.leave(ws);
  },
  { roomObject: ({ params }) => params.object },
);
