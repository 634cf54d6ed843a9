import { heldIds } from "./socket-list.js";

const PREFIX = "hypern:headers:";

/**
 * Request headers too large for a connection's attachment, kept in the room object's storage (its
 * synchronous key-value API, so a resume can read them at once) until the connection ends.
 */
export class HeaderStore {
  readonly #ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  keep(id: string, block: string): void {
    const kv = this.#ctx.storage.kv as SyncKvStorage | undefined;
    if (kv === undefined) {
      throw new Error(
        "Request headers too large for the connection's attachment are kept in the room object's storage, which " +
          "needs a " +
          'SQLite-backed Durable Object class: migrate it with new_sqlite_classes = ["..."] in wrangler.toml',
      );
    }
    this.#sweep();
    kv.put(PREFIX + id, block);
  }

  read(id: string): string | undefined {
    return this.#ctx.storage.kv.get<string>(PREFIX + id);
  }

  drop(id: string): void {
    this.#ctx.storage.kv.delete(PREFIX + id);
  }

  /** Drops what connections the object no longer holds left behind (a reset ends them without a close event). */
  #sweep(): void {
    const held = heldIds(this.#ctx);
    for (const [key] of this.#ctx.storage.kv.list({ prefix: PREFIX })) {
      if (!held.has(key.slice(PREFIX.length))) this.#ctx.storage.kv.delete(key);
    }
  }
}
