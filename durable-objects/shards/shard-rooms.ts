import type { ResolvedShards } from "../../src/shared/route-options.js";
import type { RoomPart } from "../../src/shared/room-address.js";
import type { LogPosition } from "../../src/shared/session-protocol.js";
import type { Connection } from "../connection/connection.js";
import type { Frame, OutgoingFrame } from "../connection/frames.js";
import type { HistoryQuery, HistoryRead } from "../rooms/history-read.js";
import { completeRead, noHistory } from "../rooms/history-read.js";
import type { LocalRooms } from "../rooms/local-rooms.js";
import type { RoomMember } from "../rooms/room-member.js";
import { memberHandle } from "../rooms/room-member.js";
import type { PresenceView } from "../rooms/local-presence.js";
import type { KeyChange, KeyState } from "../rooms/presence.js";
import { noPresence } from "../rooms/presence.js";
import { historyOf, presenceOf } from "../rooms/room-registry.js";
import type { ObjectPart, Rooms } from "../rooms/rooms.js";
import { OpQueue } from "./op-queue.js";
import { SendOrder } from "./send-order.js";
import type { OtherShards } from "./shard-members.js";
import { otherShardMember, sendToShard } from "./shard-members.js";
import { ShardLink } from "./shard-link.js";
import type { SequencerRpc, ShardCounts, ShardMemberInfo, StreamEntry } from "./shard-protocol.js";
import { broadcastOp } from "./shard-protocol.js";

/** The rooms whose presence this shard has told the sequencer of (it tells them again when it starts). */
const PRESENCE_ROOMS_KEY = "hypern:shard:presence-rooms";

/** A place in a sharded room's stream, as the history gate compares places. */
function streamPosition(seq: number): LogPosition {
  return { epoch: "stream", offset: seq };
}

/** What a shard needs from the room object it is. */
export interface ShardDeps {
  readonly kv: SyncKvStorage;
  readonly index: number;
  readonly options: ResolvedShards;
  /** The rooms of this shard's own connections. */
  readonly local: LocalRooms;
  stubOf(part: RoomPart): DurableObjectStub;
  /** The shard's open sockets, and all it holds (closing ones too), from one look at the runtime's list. */
  socketCounts(): Pick<ShardCounts, "open" | "held">;
  /** Sessions held here (their sockets open or gone), and those that can be resumed. */
  sessionCounts(): Pick<ShardCounts, "sessions" | "resumable">;
  /** A broadcast of a room with history was applied here: the copy of its history kept for resumes takes it. */
  copied(room: string, position: LogPosition, place: number, frame: OutgoingFrame, exclude: readonly string[]): void;
  /** The room's history started anew (`clearHistory`) at `head`: so does the copy kept here. */
  restarted(room: string, head: LogPosition): void;
  /** Closes every open session connection held here (its client resumes). */
  closeSessions(code: number, reason: string): void;
  /** The shard holds no session any more: the copies of the room's histories kept for their resumes can go. */
  dropCopies(): void;
  /** Sends to a member held here: its open socket, or its session while it may resume. */
  sendHere(id: string, frame: OutgoingFrame): boolean;
  /** Closes a member held here, its handler rerun if dormant. */
  closeHere(id: string, code: number, reason: string): void;
  wakeAt(time: number): void;
  warn(message: string): void;
}

/**
 * The rooms of one shard of a room over several objects. What the shard's handlers do to the whole
 * room (broadcasts, closes, clears) goes to the room's sequencer and comes back, in the room's one
 * order, through the stream every shard applies; counts, members and history are asked of the
 * sequencer. The shard's sends wait for its own earlier ops to come back (see SendOrder).
 */
export class ShardRooms implements Rooms {
  readonly part: ObjectPart;
  readonly #deps: ShardDeps;
  readonly #link: ShardLink;
  readonly #ops: OpQueue;
  readonly #order: SendOrder;
  readonly #others: OtherShards;
  /** Whether this shard has told its presence whole since it started. */
  #retold = false;

  constructor(deps: ShardDeps) {
    this.#deps = deps;
    this.#link = new ShardLink({
      kv: deps.kv,
      shard: deps.index,
      sequencer: () => this.#sequencer(),
      apply: (entry) => this.#apply(entry),
      missed: (first, last) => {
        deps.warn(
          `entries ${first} to ${last} of the room's stream never reached this shard, which held connections: its ` +
            `session clients are closed (1012) to resume and learn of the gap`,
        );
        deps.closeSessions(1012, "Part of the room's stream was missed here: resume");
      },
      counts: () => ({ ...deps.socketCounts(), ...deps.sessionCounts() }),
      wakeAt: deps.wakeAt,
      warn: deps.warn,
    });
    const order = (this.#order = new SendOrder());
    this.#ops = new OpQueue(
      () => this.#sequencer(),
      {
        submitted: (id) => order.submitted(id),
        placed: (id, seq) => order.placed(id, seq, this.#link.applied()),
        failed: (id) => order.applied(id),
      },
      deps.warn,
    );
    this.#others = { stubOf: deps.stubOf, before: () => this.#ops.lastPlace() };
    const link = this.#link;
    this.part = {
      cap: () => deps.options.maxConnections,
      settled: () => link.settled(),
      changed: () => {
        if (deps.sessionCounts().sessions === 0) deps.dropCopies();
        link.connectionsChanged();
      },
      shards: () => [],
      alarm: () => link.reportIfDue(),
      holdSend: (send) => this.#order.hold(send),
    };
  }

  join(room: string, connection: Connection): boolean {
    return this.#deps.local.join(room, connection);
  }

  leave(room: string, connection: Connection): void {
    this.#deps.local.leave(room, connection);
  }

  async broadcast(room: string | null, frame: OutgoingFrame, exclude?: ReadonlySet<string>): Promise<number> {
    return (await this.#ops.submit(broadcastOp(room, frame, exclude))).connections;
  }

  async closeAll(room: string | null, code: number, reason: string): Promise<number> {
    return (await this.#ops.submit({ kind: "close", id: crypto.randomUUID(), room, code, reason })).connections;
  }

  size(room: string | null): Promise<number> {
    return this.#sequencer().sequencerSize(room);
  }

  async members<Data>(room: string | null): Promise<RoomMember<Data>[]> {
    const members = await this.#sequencer().sequencerMembers(room);
    return members.map((member) => this.#member<Data>(member));
  }

  async sendTo(id: string, frame: OutgoingFrame): Promise<boolean> {
    const member = (await this.#sequencer().sequencerMembers(null)).find((candidate) => candidate.id === id);
    if (member === undefined) return this.#deps.sendHere(id, frame);
    return member.shard === this.#deps.index
      ? this.#deps.sendHere(id, frame)
      : sendToShard(this.#others, member.shard, id, frame);
  }

  async history(room: string, query: HistoryQuery): Promise<HistoryRead> {
    if (historyOf(room) === null) throw noHistory(room);
    return completeRead(await this.#sequencer().sequencerHistory(room, query), query);
  }

  sendHistory(room: string, connection: Connection, query: HistoryQuery): Promise<number> {
    return this.#deps.local.sendHistoryFrom(room, connection, this.history(room, query));
  }

  async clearHistory(room: string): Promise<void> {
    if (historyOf(room) !== null) await this.#ops.submit({ kind: "clear", id: crypto.randomUUID(), room });
  }

  async presence<Data>(room: string): Promise<PresenceView<Data>> {
    if (presenceOf(room) === null) throw noPresence(room);
    return (await this.#sequencer().sequencerPresence(room)) as PresenceView<Data>;
  }

  /**
   * What changed of this shard's part of a room's presence: told to the room's sequencer, in order with the shard's
   * other ops.
   */
  publishPresence(room: string, changes: readonly KeyChange[]): void {
    const states = changes.map(
      ({ before, after }) => after ?? { key: (before as KeyState).key, data: undefined, live: 0, away: 0 },
    );
    this.#rememberPresenceRoom(room);
    this.#ops
      .submit({ kind: "presence", id: crypto.randomUUID(), room, shard: this.#deps.index, states, full: false })
      .catch(() => undefined);
  }

  /**
   * A session connection here joined a room with presence, or resumed: it gets the room's presence whole, from the
   * sequencer.
   */
  sendPresence(room: string, connection: Connection): void {
    // Read after what this shard has told the sequencer before (its own member's arrival among it).
    const read = Promise.resolve()
      .then(() => this.#ops.lastPlace())
      .then(() => this.#sequencer().sequencerPresenceFrame(room))
      .then(({ frame, seq }) => ({ frame, position: streamPosition(seq) }));
    void this.#deps.local.presenceHere.sendFrom(room, connection, read).catch(() => undefined);
  }

  // What the sequencer and the other shards ask of this shard, over RPC.

  deliver(entries: readonly StreamEntry[], from: number): number {
    this.#retellPresence();
    return this.#link.deliver(entries, from);
  }

  localSize(room: string | null): number {
    return this.#deps.local.size(room);
  }

  localMembers(room: string | null): ShardMemberInfo[] {
    return this.#deps.local.memberInfos(room).map(({ id, data }) => ({ id, data, shard: this.#deps.index }));
  }

  /** A send from another shard: it goes out once this shard has applied what its sender did before it. */
  sendFromOther(id: string, frame: Frame, after: number): Promise<boolean> {
    return new Promise((resolve) => this.#link.afterApplied(after, () => resolve(this.#deps.sendHere(id, frame))));
  }

  closeMember(id: string, code: number, reason: string): void {
    this.#deps.closeHere(id, code, reason);
  }

  /** Applies one entry of the room's stream to this shard's connections; the sends that waited for it follow. */
  #apply(entry: StreamEntry): void {
    this.#applyEntry(entry);
    this.#order.applied(entry.id);
    this.#order.reached(entry.seq);
  }

  #applyEntry(entry: StreamEntry): void {
    const { local } = this.#deps;
    if (entry.kind === "close") {
      local.closeAll(entry.room, entry.code, entry.reason);
    } else if (entry.kind === "clear") {
      if (entry.room !== null && entry.position !== null) this.#deps.restarted(entry.room, entry.position);
    } else if (entry.kind === "presence") {
      if (entry.room !== null && typeof entry.frame === "string")
        local.presenceHere.deliver(entry.room, entry.frame, streamPosition(entry.seq));
    } else if (entry.frame !== null) {
      if (entry.room !== null && entry.position !== null)
        this.#deps.copied(entry.room, entry.position, entry.seq, entry.frame, entry.exclude);
      local.deliverHere({ room: entry.room, frame: entry.frame, position: entry.position }, new Set(entry.exclude));
    }
  }

  #member<Data>(member: ShardMemberInfo): RoomMember<Data> {
    if (member.shard !== this.#deps.index) return otherShardMember<Data>(this.#others, member);
    const { id } = member;
    return memberHandle<Data>(id, member.data as RoomMember<Data>["data"], {
      send: (frame) => this.#deps.sendHere(id, frame),
      close: (code, reason) => this.#deps.closeHere(id, code, reason),
    });
  }

  /**
   * A shard that starts again (a wake, a reset) tells the sequencer its whole part of each room's
   * presence it has told before: a reset may have taken connections away without a close event.
   */
  #retellPresence(): void {
    if (this.#retold) return;
    this.#retold = true;
    for (const room of this.#deps.kv.get<string[]>(PRESENCE_ROOMS_KEY) ?? []) {
      if (presenceOf(room) === null) continue;
      const states = this.#deps.local.presenceHere.states(room);
      this.#ops
        .submit({ kind: "presence", id: crypto.randomUUID(), room, shard: this.#deps.index, states, full: true })
        .catch(() => undefined);
    }
  }

  #rememberPresenceRoom(room: string): void {
    const rooms = this.#deps.kv.get<string[]>(PRESENCE_ROOMS_KEY) ?? [];
    if (!rooms.includes(room)) this.#deps.kv.put(PRESENCE_ROOMS_KEY, [...rooms, room]);
  }

  #sequencer(): SequencerRpc {
    return this.#deps.stubOf({ sequencer: true }) as unknown as SequencerRpc;
  }
}
