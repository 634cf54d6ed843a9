import type { LostReason } from "../shared/session-protocol.js";
import type { CloseInfo } from "./close-info.js";
import type { PresenceChange } from "./presence.js";

export type ConnectionState =
  | { readonly state: "connecting"; readonly attempt: number }
  | { readonly state: "open" }
  | { readonly state: "reconnecting"; readonly attempt: number; readonly delayMs: number; readonly close: CloseInfo }
  | { readonly state: "closed"; readonly close: CloseInfo };

/** A message from the server, once each, in order. */
export interface ReceivedMessage<Incoming> {
  /** Text as a string, binary as an ArrayBuffer. */
  readonly data: string | ArrayBuffer;
  /** The text parsed as JSON. */
  json(): Incoming;
  /** For a broadcast into a room with history: the room and the message's place in its log. */
  readonly room?: string;
  readonly offset?: number;
  /** Sent again after a resume: the client missed it while it was away. */
  readonly replayed: boolean;
}

/** Every connection starts with a welcome: a new session, or the old one resumed. */
export interface Welcome {
  readonly session: string;
  /** The connection id (`ws.id` on the server), kept across resumes. */
  readonly id: string;
  /** The session came back: what the client missed follows (`missed` messages), then the live ones. */
  readonly recovered: boolean;
  readonly missed: number;
}

/** The client could not get everything back: resync (read the app's state afresh). */
export interface Reset {
  /**
   * `expired` or `unknown`: the session is gone, this is a new one. `trimmed` or `epoch`: a room's history could not
   * fill the gap.
   */
  readonly reason: LostReason;
  /** The room whose broadcasts could not all be replayed, for `trimmed` and `epoch`. */
  readonly room?: string;
  /**
   * For a lost session: messages the client sent that the old session had not acknowledged. They are not sent again
   * (they may have been processed).
   */
  readonly unsent: readonly string[];
}

export interface SessionClientEvents<Incoming> extends Record<string, unknown> {
  state: ConnectionState;
  welcome: Welcome;
  message: ReceivedMessage<Incoming>;
  reset: Reset;
  /** The server processed the message with this id (returned by `send`). */
  acknowledged: string;
  /** Who is in a room with presence changed (or came whole): see `presence(room)`. */
  presence: PresenceChange;
}
