import { shardsPart } from "../../durable-objects/index.js";
import { toShard } from "../shard-placement.js";
import { history } from "./history.js";

/** Sharded rooms: `{ shards }` on a route spreads each of its rooms over several objects. Brings history with it. */
export const shards = { kind: "shards", requires: [history], place: toShard, ...shardsPart } as const;
