import type { SequencerRpc } from "../durable-objects/index.js";
import { textResponse } from "./http.js";
import type { RoomAddress } from "./shared/room-address.js";
import { SHARD_FULL_HEADER } from "./shared/route-options.js";
import { SESSION_PROTOCOL, offeredSubprotocols, resumeRequestIn, shardOfSession } from "./shared/session-protocol.js";

/** Shards tried for one connection before the Worker says the room is full. */
const SHARD_PLACEMENTS = 5;

/**
 * Places a connection of a sharded room: the room's sequencer names a shard with room, lowest first,
 * or the home shard of a session the client resumes (which knows best whether it has its place); a
 * shard that is full says so, and the next one is tried.
 */
export async function toShard(
  request: Request,
  address: RoomAddress,
  stub: (address: RoomAddress) => DurableObjectStub,
  sessions: boolean,
): Promise<Response> {
  const sequencer = stub({ ...address, part: { sequencer: true } }) as unknown as SequencerRpc;
  const home = sessions ? homeShardOf(request) : undefined;
  // A session client's address keeps its dropped sessions in one shard (see sequencerPlace).
  const client = sessions ? (request.headers.get("cf-connecting-ip") ?? undefined) : undefined;
  let after = 0;
  for (let attempt = 0; attempt < SHARD_PLACEMENTS; attempt++) {
    const shard = await sequencer.sequencerPlace(
      after,
      attempt === 0 ? home : undefined,
      attempt === 0 ? client : undefined,
    );
    const response = await stub({ ...address, part: { shard } }).fetch(new Request(request));
    if (response.status !== 503 || !response.headers.has(SHARD_FULL_HEADER)) return response;
    // A home shard that was full: lower shards may still have room.
    after = attempt === 0 && shard === home ? 0 : shard + 1;
  }
  return textResponse(503, "This sharded room is full right now: try again");
}

/** The shard of the session an upgrade asks to resume, if it negotiates sessions and names one. */
function homeShardOf(request: Request): number | undefined {
  const protocols = offeredSubprotocols(request.headers.get("sec-websocket-protocol"));
  if (!protocols.includes(SESSION_PROTOCOL)) return undefined;
  const resume = resumeRequestIn(protocols);
  return resume === null ? undefined : (shardOfSession(resume.session) ?? undefined);
}
