import type { RoomPart } from "../src/shared/room-address.js";
import type { LogPosition, LostReason } from "../src/shared/session-protocol.js";
import type { HistoryQuery, LogRead } from "./history.js";
import type { Delivery } from "./outbox.js";
import type { RoomMember } from "./room-member.js";
import { memberHandle } from "./room-member.js";
import { ShardLink } from "./shard-link.js";
import type { SequencerRpc, ShardMemberInfo, ShardRpc, StreamEntry } from "./shard-protocol.js";
import type { OutgoingFrame } from "./message.js";
import { toFrame } from "./message.js";

/** What a shard needs from the room object it is: its own connections and how to reach them. */
export interface ShardLocal {
  /** Delivers a broadcast to this object's members of a room, its place in the log known. */
  deliverLocally(room: string, frame: OutgoingFrame, exclude: ReadonlySet<string>, position: LogPosition | null): number;
  broadcastAll(frame: OutgoingFrame, exclude: ReadonlySet<string>): number;
  sockets(): Iterable<[id: string, socket: WebSocket]>;
  members(room: string): ReadonlyMap<string, WebSocket>;
  dataOf(socket: WebSocket): unknown;
  sendDirect(socket: WebSocket, frame: OutgoingFrame): Delivery;
  close(socket: WebSocket, code: number, reason: string): void;
  socketOf(id: string): WebSocket | undefined;
  openCount(): number;
  /** Open sockets, and all those held (closing ones too), from one look at the runtime's list. */
  socketCounts(): { open: number; held: number };
  /** Sessions held here (their sockets open or gone), and those that can be resumed. */
  sessionCounts(): { sessions: number; resumable: number };
  /** A broadcast of a room with history was applied here: the copy of its log kept for resumes takes it. */
  copyToLog(room: string, position: LogPosition, frame: OutgoingFrame, exclude: readonly string[]): void;
  /** The room's log started anew (`clearHistory`) at `head`: so does the copy kept here. */
  restartLog(room: string, head: LogPosition): void;
  /** Closes every open session connection held here (its client resumes). */
  closeSessions(code: number, reason: string): void;
  /** A member held here, as a handle. */
  localMember<Data>(id: string, socket: WebSocket, data: unknown): RoomMember<Data>;
}

/**
 * This room object as one shard of a room that spans several: what the room's handlers do through
 * the room's sequencer (broadcasts, closes, counts, members, history), and what the sequencer asks of
 * this shard (apply the stream, count and list its members, reach one of them).
 */
export class ShardRole {
  readonly index: number;
  readonly #link: ShardLink;
  readonly #stubOf: (part: RoomPart) => DurableObjectStub;
  readonly #local: ShardLocal;

  constructor(init: {
    kv: SyncKvStorage;
    index: number;
    stubOf: (part: RoomPart) => DurableObjectStub;
    local: ShardLocal;
    wakeAt: (time: number) => void;
    warn: (message: string) => void;
  }) {
    this.index = init.index;
    this.#stubOf = init.stubOf;
    this.#local = init.local;
    this.#link = new ShardLink({
      kv: init.kv,
      shard: init.index,
      sequencer: () => this.#sequencer(),
      apply: (entry) => this.#apply(entry),
      missed: (first, last) => {
        init.warn(`entries ${first} to ${last} of the room's stream never reached this shard, which held connections: its session clients are closed (1012) to resume and learn of the gap`);
        this.#local.closeSessions(1012, "Part of the room's stream was missed here: resume");
      },
      counts: () => ({ ...this.#local.socketCounts(), ...this.#local.sessionCounts() }),
      wakeAt: init.wakeAt,
      warn: init.warn,
    });
  }

  // For the room's handlers.

  publish(room: string, frame: OutgoingFrame, exclude: Iterable<string>): Promise<number> {
    return this.#link.publish(room, toFrame(frame), [...exclude]);
  }

  close(room: string, code: number, reason: string): Promise<number> {
    return this.#link.close(room, code, reason);
  }

  size(room: string): Promise<number> {
    return this.#sequencer().sequencerSize(room);
  }

  async memberHandles<Data>(room: string): Promise<RoomMember<Data>[]> {
    const members = await this.#sequencer().sequencerMembers(room);
    return members.map(({ id, data, shard }) => this.#member<Data>(id, data, shard));
  }

  history(room: string, query: HistoryQuery): Promise<LogRead | { lost: LostReason }> {
    return Promise.resolve(this.#sequencer().sequencerHistory(room, query));
  }

  clearHistory(room: string): Promise<void> {
    return this.#link.clearHistory(room);
  }

  /** The alarm fired: a report that did not get through is made again. */
  reportIfDue(): void {
    this.#link.reportIfDue();
  }

  /** An upgrade was accepted or refused. */
  settled(): void {
    this.#link.settled();
  }

  /** The shard's connections may have changed. */
  connectionsChanged(): void {
    this.#link.connectionsChanged();
  }

  // For the sequencer, over RPC.

  deliver(entries: readonly StreamEntry[], from: number): number {
    return this.#link.deliver(entries, from);
  }

  localMembers(room: string | null): ShardMemberInfo[] {
    const members = room === null ? [...this.#local.sockets()] : [...this.#local.members(room)];
    return members.map(([id, socket]) => ({ id, data: this.#local.dataOf(socket), shard: this.index }));
  }

  localSize(room: string | null): number {
    return room === null ? this.#local.openCount() : this.#local.members(room).size;
  }

  sendTo(id: string, frame: string | ArrayBuffer): boolean {
    const socket = this.#local.socketOf(id);
    return socket !== undefined && this.#local.sendDirect(socket, frame) === "sent";
  }

  closeMember(id: string, code: number, reason: string): void {
    const socket = this.#local.socketOf(id);
    if (socket !== undefined) this.#local.close(socket, code, reason);
  }

  /** Applies one entry of the room's stream to this shard's connections. */
  #apply(entry: StreamEntry): void {
    if (entry.kind === "close") {
      const sockets = entry.room === null ? [...this.#local.sockets()].map(([, socket]) => socket) : [...this.#local.members(entry.room).values()];
      for (const socket of sockets) this.#local.close(socket, entry.code, entry.reason);
    } else if (entry.kind === "clear") {
      if (entry.room !== null && entry.position !== null) this.#local.restartLog(entry.room, entry.position);
    } else if (entry.frame !== null) {
      const exclude = new Set(entry.exclude);
      if (entry.room === null) this.#local.broadcastAll(entry.frame, exclude);
      else {
        if (entry.position !== null) this.#local.copyToLog(entry.room, entry.position, entry.frame, entry.exclude);
        this.#local.deliverLocally(entry.room, entry.frame, exclude, entry.position);
      }
    }
  }

  /** A member of the room, held here or by another shard. */
  #member<Data>(id: string, data: unknown, shard: number): RoomMember<Data> {
    const socket = shard === this.index ? this.#local.socketOf(id) : undefined;
    if (socket !== undefined) return this.#local.localMember<Data>(id, socket, data);
    const stub = (): ShardRpc => this.#stubOf({ shard }) as unknown as ShardRpc;
    return memberHandle<Data>(id, data as RoomMember<Data>["data"], {
      send: async (frame) => stub().shardSend(id, toFrame(frame)),
      close: async (code, reason) => stub().shardCloseMember(id, code, reason),
    });
  }

  #sequencer(): SequencerRpc {
    return this.#stubOf({ sequencer: true }) as unknown as SequencerRpc;
  }
}
