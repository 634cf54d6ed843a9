import type { RoomPart } from "../../src/shared/room-address.js";
import type { OutgoingFrame } from "../connection/frames.js";
import type { HistoryQuery, HistoryRead } from "../rooms/history-read.js";
import type { PresenceView } from "../rooms/local-presence.js";
import { completeRead, noHistory } from "../rooms/history-read.js";
import type { RoomMember } from "../rooms/room-member.js";
import { historyOf } from "../rooms/room-registry.js";
import type { ObjectPart, Rooms } from "../rooms/rooms.js";
import type { Sequencer } from "./sequencer.js";
import { broadcastOp } from "./shard-protocol.js";
import type { OtherShards } from "./shard-members.js";
import { otherShardMember, sendToShard } from "./shard-members.js";

/**
 * The rooms of a sharded room as its sequencer sees them, for Worker code (`app.roomObject()` reaches
 * a sharded room through its sequencer): every op is put in the room's order here, and the shards
 * hold the members. The sequencer holds no connection of its own.
 */
export class SequencerRooms implements Rooms {
  readonly part: ObjectPart;
  readonly #sequencer: Sequencer;
  readonly #others: OtherShards;

  constructor(sequencer: Sequencer, stubOf: (part: RoomPart) => DurableObjectStub) {
    this.#sequencer = sequencer;
    // What Worker code did before a send is sequenced here already: the member's shard waits for all of it.
    this.#others = { stubOf, before: async () => sequencer.head() };
    this.part = {
      cap: () => undefined,
      settled() {},
      changed() {},
      shards: () => sequencer.shards().map(({ shard }) => shard),
      alarm: (now) => sequencer.retry(now),
      holdSend: null,
    };
  }

  join(): boolean {
    throw noConnections();
  }

  leave(): void {
    throw noConnections();
  }

  broadcast(room: string | null, frame: OutgoingFrame, exclude?: ReadonlySet<string>): number {
    return this.#sequencer.submit([broadcastOp(room, frame, exclude)]).connections;
  }

  closeAll(room: string | null, code: number, reason: string): number {
    return this.#sequencer.submit([{ kind: "close", id: crypto.randomUUID(), room, code, reason }]).connections;
  }

  size(room: string | null): Promise<number> {
    return this.#sequencer.size(room);
  }

  async members<Data>(room: string | null): Promise<RoomMember<Data>[]> {
    return (await this.#sequencer.members(room)).map((member) => otherShardMember<Data>(this.#others, member));
  }

  async sendTo(id: string, frame: OutgoingFrame): Promise<boolean> {
    const member = (await this.#sequencer.members(null)).find((candidate) => candidate.id === id);
    return member !== undefined && sendToShard(this.#others, member.shard, id, frame);
  }

  history(room: string, query: HistoryQuery): HistoryRead {
    if (historyOf(room) === null) throw noHistory(room);
    return completeRead(this.#sequencer.history(room, query), query);
  }

  sendHistory(): Promise<number> {
    return Promise.reject(noConnections());
  }

  presence<Data>(room: string): PresenceView<Data> {
    return this.#sequencer.presence(room) as PresenceView<Data>;
  }

  clearHistory(room: string): void {
    if (historyOf(room) !== null) this.#sequencer.submit([{ kind: "clear", id: crypto.randomUUID(), room }]);
  }
}

function noConnections(): Error {
  return new Error("The sequencer of a sharded room holds no connections: its shards do");
}
