import type { ShardsPart } from "./features.js";
import { Sequencer } from "./shards/sequencer.js";
import { SequencerRooms } from "./shards/sequencer-rooms.js";
import { ShardRooms } from "./shards/shard-rooms.js";

/** Sharded rooms (`hypern-workers/features`): one room over several objects, ordered by its sequencer. */
export const shardsPart: ShardsPart = {
  sequencer(deps, stubOf) {
    const sequencer = new Sequencer(deps);
    return { sequencer, rooms: new SequencerRooms(sequencer, stubOf) };
  },
  shard: (deps) => new ShardRooms(deps),
};
