import { abuseStorage } from "./abuse.js";
import { countsOfRoom } from "./object-counts.js";
import { SESSION_ROUTE, logged, ours } from "./ours.js";

/**
 * HTTP endpoints the scenarios drive a session room with (reconnect storm, storage), from Worker code:
 * - `POST /control/deploy/:room`: a simulated deploy, every socket of the room closed with 1012; answers how many; -
 *   `POST /control/broadcast/:room?count=N&tag=T`: N broadcasts `T|0` ... `T|N-1` into the room's log, one RPC each;
 *   answers how many members they reached in all;
 * - `GET /control/size/:room`: the room's open connections; - `GET /control/counts/:room`: what the bench counted in
 *   the objects of any implementation whose name holds `:room` (object-counts.ts); wakes none of them;
 * - `GET /control/storage/:room`: what the abuse route's room object `:room` keeps in SQLite (abuse.ts); wakes it.
 */
export async function control(
  request: Request,
  env: Env,
  action: string | undefined,
  name: string | undefined,
): Promise<Response> {
  if (name === undefined || name === "") return new Response("No room", { status: 400 });
  if (request.method === "GET" && action === "counts") return Response.json(countsOfRoom(name));
  if (request.method === "GET" && action === "storage") return abuseStorage(env, name);
  const room = ours.roomObject(env, name, { route: SESSION_ROUTE });
  const url = new URL(request.url);
  switch (`${request.method} ${action}`) {
    case "POST deploy":
      return Response.json(await room.closeAll(1012, "deploy"));
    case "POST broadcast": {
      const count = Number(url.searchParams.get("count") ?? "1");
      const tag = url.searchParams.get("tag") ?? "control";
      let reached = 0;
      for (let i = 0; i < count; i++) reached += await room.broadcast(`${tag}|${i}`, { room: logged.name });
      return Response.json(reached);
    }
    case "GET size":
      return Response.json(await room.size());
    default:
      return new Response("Unknown control action", { status: 404 });
  }
}
