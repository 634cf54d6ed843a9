import type { RoomPart } from "../../src/shared/room-address.js";
import type { OutgoingFrame } from "../connection/frames.js";
import { toFrame } from "../connection/frames.js";
import type { RoomMember } from "../rooms/room-member.js";
import { memberHandle } from "../rooms/room-member.js";
import type { ShardMemberInfo, ShardRpc } from "./shard-protocol.js";

/** How an object of a sharded room reaches a member held by another shard. */
export interface OtherShards {
  stubOf(part: RoomPart): DurableObjectStub;
  /** The place in the room's stream the member's shard must have applied before the send goes out. */
  before(): Promise<number>;
}

/** Sends to a member held by `shard`, in order with what the sender did before. */
export async function sendToShard(
  others: OtherShards,
  shard: number,
  id: string,
  frame: OutgoingFrame,
): Promise<boolean> {
  const after = await others.before();
  return (others.stubOf({ shard }) as unknown as ShardRpc).shardSend(id, toFrame(frame), after);
}

/** A member held by another shard, as a handle. */
export function otherShardMember<Data>(others: OtherShards, { id, data, shard }: ShardMemberInfo): RoomMember<Data> {
  return memberHandle<Data>(id, data as RoomMember<Data>["data"], {
    send: (frame) => sendToShard(others, shard, id, frame),
    close: (code, reason) => (others.stubOf({ shard }) as unknown as ShardRpc).shardCloseMember(id, code, reason),
  });
}
