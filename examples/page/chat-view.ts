import type { ConnectionState } from "./chat-connection.js";
import type { ShownPerson } from "./room-people.js";

/** One message in the log. */
export interface MessageLine {
  readonly author: string;
  readonly text: string;
  readonly own: boolean;
  /** Said before you joined: shown as such, with the time it was said (`at`). */
  readonly earlier?: boolean;
  readonly at?: Date;
  /** Sent by you and not yet taken by the server. */
  readonly pending?: boolean;
}

/** A message shown as pending: what became of it. */
export interface SentMessage {
  sent(): void;
  /** Its session was lost before the server said it had taken it: it may or may not have arrived. */
  notSent(): void;
}

/** What a chat room shows: the page's DOM, or a test's record of it. */
export interface ChatView {
  /** Empties the log. */
  clear(): void;
  notice(text: string, tone?: "info" | "alert"): void;
  message(line: MessageLine): SentMessage;
  /** Who is in the room, by name; those away are shown as such. */
  people(people: readonly ShownPerson[]): void;
  /** The connection's state, for the status badge and the send button. */
  state(state: ConnectionState): void;
}
