import { roomObjects } from "../../src/room-object-client.js";
import { ours } from "./ours.js";

/**
 * `GET /shards/:route/:room`: how many shards a room of a sharded route of ours (`broadcast-sharded`,
 * `broadcast-sharded-100`) is spread over, as its sequencer lists them; so the shards scenario can
 * check the spread it measured.
 */
export async function shardCount(env: Env, route: string | undefined, name: string | undefined): Promise<Response> {
  if (route === undefined || name === undefined || name === "")
    return new Response("Use /shards/:route/:room", { status: 400 });
  const objects = await roomObjects(ours.roomObject(env, name, { route: `/ours/${route}/:room` }));
  // The first is the room's sequencer.
  return Response.json(objects.length - 1);
}
