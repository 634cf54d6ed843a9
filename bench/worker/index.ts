import { getServerByName } from "partyserver";
import { abuse } from "./abuse.js";
import { control } from "./control.js";
import { ours } from "./ours.js";
import { shardCount } from "./shard-count.js";

export { AbuseRoom } from "./abuse.js";
export { OursRoom } from "./ours-room.js";
export { PartyRoom } from "./party.js";
export { RawRoom } from "./raw.js";

/**
 * `/{raw|ours|party}/{echo|broadcast|joined}/:room`: each implementation through its natural entry point;
 * ours also has `broadcast-history` and `session` rooms, and `/control/...` endpoints for them (control.ts),
 * `broadcast-sharded` and `broadcast-sharded-100` rooms (spread over shards of 1,000 and of 100),
 * `heartbeat`, `heartbeat-3x` and `heartbeat-30x` rooms (routes with a heartbeat), `joined-session` and
 * `presence` rooms (routes with sessions), and `/shards/:route/:room`, how many shards such a room has
 * (shard-count.ts); `/abuse/echo/:room` is the abuse scenario's app, whose room objects hold at most 20
 * sockets (abuse.ts).
 */
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const [, implementation, scenario, room] = new URL(request.url).pathname.split("/");
    const name = `${scenario}:${room}`;
    switch (implementation) {
      case "ours":
        return ours.fetch(request, env, ctx);
      case "abuse":
        return abuse.fetch(request, env, ctx);
      case "raw":
        return env.RAW.get(env.RAW.idFromName(name)).fetch(request);
      case "party":
        return (await getServerByName(env.PARTY, name)).fetch(request);
      case "control":
        return control(request, env, scenario, room);
      case "shards":
        return shardCount(env, scenario, room);
      default:
        return new Response("ok");
    }
  },
};
