import type { KeyChange, KeyState, ResolvedPresence } from "./presence.js";

/** Where a member of a room is: connected here, or away (its connection gone, its session resumable). */
export type Whereabouts = "here" | "away";

/** A member as the book keeps it. */
interface Member {
  readonly key: string;
  readonly data: unknown;
  readonly where: Whereabouts;
  /** When it last changed: a key's data is its latest member's. */
  readonly order: number;
}

/** What the presence book needs from its room object. */
export interface PresenceBookDeps {
  /** A room's presence options; null for a room without presence. */
  optionsOf(room: string): ResolvedPresence | null;
  /** A room's members held here as they stand (read once, when the book first needs the room after a wake). */
  members(room: string): Iterable<{ readonly id: string; readonly data: unknown; readonly where: Whereabouts }>;
  /** The ids whose session is away and can still be resumed here. */
  stillAway(): ReadonlySet<string>;
  /** Keys of a room changed here, told once per turn with their state before the turn and now. */
  changed(room: string, changes: readonly KeyChange[]): void;
}

/**
 * Who is in each room with presence, as this room object holds them: each member by id with its key
 * and data, connected or away; keys added up over their members. Changes of one turn are told
 * together, each key once, with what it was before the turn: a join and a leave within one turn are
 * no change at all.
 */
export class PresenceBook {
  readonly #deps: PresenceBookDeps;
  readonly #rooms = new Map<string, Map<string, Member>>();
  readonly #keys = new Map<string, Map<string, Set<string>>>();
  /** Per room: the keys changed this turn, with their state before it. */
  readonly #before = new Map<string, Map<string, KeyState | null>>();
  #order = 0;
  #scheduled = false;
  #awayMayHaveEnded = false;

  constructor(deps: PresenceBookDeps) {
    this.#deps = deps;
  }

  /** A member is connected in a room (joined, back after a resume, or its data changed). */
  here(room: string, id: string, data: unknown): void {
    this.#set(room, id, { data, where: "here" });
  }

  /** A member's connection ended while its session may resume: it is away. */
  away(room: string, id: string, data: unknown): void {
    this.#set(room, id, { data, where: "away" });
  }

  /** A member left the room for good. */
  gone(room: string, id: string): void {
    this.#set(room, id, null);
  }

  /** Sessions ended (their window passed, or a client's oldest made room): members away may be gone. */
  sessionsChanged(): void {
    this.#awayMayHaveEnded = true;
    this.#schedule();
  }

  /**
   * Reads a room's members now, if the book has not yet (after a wake), counting `also` among them: a
   * connection whose close is being handled is no longer open, but its members were told it was here.
   */
  prime(room: string, also: { readonly id: string; readonly data: unknown }): void {
    this.#load(room, also);
  }

  /** A room's presence now, key by key. */
  states(room: string): KeyState[] {
    const keys = this.#load(room) === null ? undefined : this.#keys.get(room);
    return [...(keys?.keys() ?? [])]
      .map((key) => this.#state(room, key))
      .filter((state): state is KeyState => state !== null);
  }

  #set(room: string, id: string, member: { data: unknown; where: Whereabouts } | null): void {
    const members = this.#load(room);
    if (members === null) return;
    const options = this.#deps.optionsOf(room) as ResolvedPresence;
    const old = members.get(id);
    const key = member === null ? old?.key : options.key(member.data, id);
    for (const touched of new Set([old?.key, key])) if (touched !== undefined) this.#noteBefore(room, touched);
    if (old !== undefined) this.#keys.get(room)?.get(old.key)?.delete(id);
    if (member === null || key === undefined) members.delete(id);
    else {
      members.set(id, { key, data: member.data, where: member.where, order: ++this.#order });
      const keys = this.#keys.get(room) as Map<string, Set<string>>;
      let ids = keys.get(key);
      if (ids === undefined) keys.set(key, (ids = new Set()));
      ids.add(id);
    }
    this.#schedule();
  }

  /** The room's members, read when first needed; null for a room without presence. */
  #load(room: string, also?: { readonly id: string; readonly data: unknown }): Map<string, Member> | null {
    const loaded = this.#rooms.get(room);
    if (loaded !== undefined) return loaded;
    const options = this.#deps.optionsOf(room);
    if (options === null) return null;
    const members = new Map<string, Member>();
    const keys = new Map<string, Set<string>>();
    const read = [...this.#deps.members(room)].filter(({ id }) => id !== also?.id);
    if (also !== undefined) read.push({ ...also, where: "here" });
    for (const { id, data, where } of read) {
      const key = options.key(data, id);
      members.set(id, { key, data, where, order: ++this.#order });
      let ids = keys.get(key);
      if (ids === undefined) keys.set(key, (ids = new Set()));
      ids.add(id);
    }
    this.#rooms.set(room, members);
    this.#keys.set(room, keys);
    return members;
  }

  #state(room: string, key: string): KeyState | null {
    const ids = this.#keys.get(room)?.get(key);
    const members = this.#rooms.get(room);
    if (ids === undefined || ids.size === 0 || members === undefined) return null;
    let live = 0;
    let away = 0;
    let latest: Member | undefined;
    for (const id of ids) {
      const member = members.get(id) as Member;
      if (member.where === "here") live += 1;
      else away += 1;
      // A connected member's data wins over an away one's; the latest among them over older ones.
      if (
        latest === undefined ||
        (member.where === "here") > (latest.where === "here") ||
        (member.where === latest.where && member.order > latest.order)
      )
        latest = member;
    }
    return { key, data: latest?.data, live, away };
  }

  #noteBefore(room: string, key: string): void {
    let before = this.#before.get(room);
    if (before === undefined) this.#before.set(room, (before = new Map()));
    if (!before.has(key)) before.set(key, this.#state(room, key));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#awayMayHaveEnded) {
      this.#awayMayHaveEnded = false;
      const loadedWithAway = [...this.#rooms].filter(([, members]) =>
        [...members.values()].some(({ where }) => where === "away"),
      );
      if (loadedWithAway.length > 0) {
        const stillAway = this.#deps.stillAway();
        for (const [room, members] of loadedWithAway) {
          for (const [id, { where }] of [...members])
            if (where === "away" && !stillAway.has(id)) this.#set(room, id, null);
        }
      }
    }
    const changed = [...this.#before];
    this.#before.clear();
    for (const [room, before] of changed) {
      this.#deps.changed(
        room,
        [...before].map(([key, state]) => ({ before: state, after: this.#state(room, key) })),
      );
    }
  }
}
