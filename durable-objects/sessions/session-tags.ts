import { SocketSlot } from "../connection/socket-slot.js";

const SESSION_TAG = "session:";

/**
 * A session socket carries its session id in a tag, so that a dormant socket is known as a session's
 * without reading its record, and without touching the sessions' storage.
 */
export class SessionTags {
  readonly #ctx: DurableObjectState;
  /** Each socket's session id (null: a plain client), once looked up. */
  readonly #sessionOf = new SocketSlot<string | null>();

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** The tags a session's socket is accepted with. */
  tagsFor(session: string): string[] {
    return [SESSION_TAG + session];
  }

  /** The session id of a socket's connection, or null for a plain client. */
  sessionOf(socket: WebSocket): string | null {
    let session = this.#sessionOf.get(socket);
    if (session === undefined) {
      const tag = this.#ctx.getTags(socket).find((candidate) => candidate.startsWith(SESSION_TAG));
      session = tag === undefined ? null : tag.slice(SESSION_TAG.length);
      this.#sessionOf.set(socket, session);
    }
    return session;
  }

  /** A socket is being accepted for a session (its tags are not readable before it is). */
  carries(socket: WebSocket, session: string): void {
    this.#sessionOf.set(socket, session);
  }
}
