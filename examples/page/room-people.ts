import type { PresenceEntry } from "../../src/client/index.js";

/** Someone in the room as the page lists them: one connection (examples/chat.ts keeps presence per connection). */
export interface ShownPerson {
  readonly key: string;
  readonly name: string;
  /** Their connection dropped and their session may still come back. */
  readonly away: boolean;
}

/** Who came and who went, by name, since the room's presence was last read. */
export interface Comings {
  readonly joined: readonly string[];
  readonly left: readonly string[];
}

const NOBODY: Comings = { joined: [], left: [] };

/**
 * Who is in the room, from its presence as the session client keeps it. Someone joined when their key
 * appears and left when it goes; going away and coming back (a drop, a restart) changes only `away`.
 * The first presence of a session is how the room stands, not news: it says nobody came or went.
 */
export class RoomPeople {
  #people = new Map<string, ShownPerson>();
  #known = false;

  /** Reads the room's presence now; `me` (this page's key) is never news. */
  read(entries: ReadonlyMap<string, PresenceEntry>, me: string | undefined): Comings {
    const before = this.#people;
    this.#people = new Map(
      [...entries.values()].map((entry) => [entry.k, { key: entry.k, name: nameOf(entry), away: entry.a }]),
    );
    if (!this.#known) {
      this.#known = true;
      return NOBODY;
    }
    const news = (from: Map<string, ShownPerson>, notIn: Map<string, ShownPerson>): string[] =>
      [...from.values()].filter(({ key }) => key !== me && !notIn.has(key)).map(({ name }) => name);
    return { joined: news(this.#people, before), left: news(before, this.#people) };
  }

  /** A new session, or a new connection: its first presence is how the room stands. */
  forget(): void {
    this.#people = new Map();
    this.#known = false;
  }

  /** Everyone, by name. */
  list(): ShownPerson[] {
    return [...this.#people.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

function nameOf(entry: PresenceEntry): string {
  const name = (entry.d as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : "unknown";
}
