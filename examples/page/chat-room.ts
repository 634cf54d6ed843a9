import type { LostReason, PresenceEntry, Reset } from "../../src/client/index.js";
import type { ConnectionListener, ConnectionState } from "./chat-connection.js";
import type { ChatEvent } from "./chat-events.js";
import type { ChatView, SentMessage } from "./chat-view.js";
import { describeClose } from "./close-codes.js";
import { couldNotResumeNotice, earlierNotice, reconnectedNotice } from "./room-notices.js";
import { RoomPeople } from "./room-people.js";
import { seconds } from "./status-text.js";

/** What the room needs of its connection (a ChatConnection, or a test's stand-in). */
export interface RoomConnection {
  /** The message's id, or undefined when the connection has stopped. */
  send(text: string): string | undefined;
  end(reason: string): void;
}

export type OpenConnection = (listener: ConnectionListener) => RoomConnection;

/** The close code of a server restart: a deploy, or the demo's POST /api/rooms/:room/close. */
const SERVICE_RESTART = 1012;

/**
 * One chat room as the page shows it, from the connection's states, the room's events and its
 * presence: the log, who is here (and who is away), your messages until the server has taken them,
 * what you missed while away and what was said before you joined. When the session or the room's
 * missed messages cannot be recovered, it shows the room afresh, as a new arrival sees it.
 *
 * A restart that ends in a resume is one line, once the room has welcomed you back: the close is
 * said only if the resume does not come at once (another close, a lost session, a stop).
 */
export class ChatRoom {
  readonly room: string;
  readonly name: string;
  readonly #view: ChatView;
  readonly #open: OpenConnection;
  #connection: RoomConnection;
  /** Which connection is current: what an ended one still reports is not heard. */
  #generation = 0;
  #phase: ConnectionState["phase"] = "connecting";
  /** This person's connection id, kept across resumes: its presence is the page's own. */
  #me: string | undefined;
  /** The name the server gave us (it trims and shortens what we asked for). */
  #shownName: string;
  /** Who is in the room, from its presence. */
  readonly #people = new RoomPeople();
  /** The notice of a restart's close, held back until the resume comes (then one line says both) or does not. */
  #restart: string | undefined;
  /** Messages you missed shown since the session came back, said once the room welcomes you back. */
  #missedShown = 0;
  /** Why the room is being shown afresh; said once its fresh welcome comes. */
  #resync: LostReason | undefined;
  /** Your messages the server has not taken yet, by id. */
  readonly #sending = new Map<string, { readonly text: string; readonly shown: SentMessage }>();
  /** Your messages that may not have arrived, shown again once the room is shown afresh. */
  readonly #unsent: string[] = [];

  constructor(room: string, name: string, view: ChatView, open: OpenConnection) {
    this.room = room;
    this.name = name;
    this.#shownName = name;
    this.#view = view;
    this.#open = open;
    this.#connection = this.#connect();
  }

  get phase(): ConnectionState["phase"] {
    return this.#phase;
  }

  /** Sends a message, now or once the connection is back; false when the connection has stopped. */
  send(text: string): boolean {
    const id = this.#connection.send(text);
    if (id === undefined) return false;
    this.#sending.set(id, {
      text,
      shown: this.#view.message({ author: this.#shownName, text, own: true, pending: true }),
    });
    return true;
  }

  /** Leaves the room for good. */
  leave(reason: string): void {
    this.#generation += 1;
    this.#connection.end(reason);
  }

  #connect(): RoomConnection {
    const generation = ++this.#generation;
    this.#people.forget();
    const current =
      <T extends unknown[]>(hear: (...args: T) => void) =>
      (...args: T) => {
        if (generation === this.#generation) hear(...args);
      };
    return this.#open({
      state: current((state: ConnectionState) => this.#state(state)),
      event: current((event: ChatEvent, replayed: boolean) => this.#event(event, replayed)),
      presence: current((entries: ReadonlyMap<string, PresenceEntry>) => this.#presence(entries)),
      reset: current((reset: Reset) => this.#reset(reset)),
      acknowledged: current((id: string) => {
        this.#sending.get(id)?.shown.sent();
        this.#sending.delete(id);
      }),
    });
  }

  #state(state: ConnectionState): void {
    this.#phase = state.phase;
    this.#view.state(state);
    if (state.phase === "retrying" || state.phase === "stopped") {
      const { code, reason, why } = state.close;
      const closed =
        why === undefined
          ? `Connection closed: ${describeClose(code, reason)}`
          : `Could not connect: ${withoutFullStop(why)}`;
      const next = state.phase === "retrying" ? `Reconnecting in ${seconds(state.delayMs)}.` : "Join again to retry.";
      const notice = `${closed}. ${next}`;
      if (state.phase === "retrying" && code === SERVICE_RESTART && why === undefined && this.#restart === undefined)
        this.#restart = notice;
      else {
        this.#sayHeldRestart();
        this.#view.notice(notice, "alert");
      }
    }
    if (state.phase === "refused") {
      this.#sayHeldRestart();
      this.#view.notice(`Could not connect: ${withoutFullStop(state.refusal.why)}. Not retrying.`, "alert");
    }
    if (state.phase === "stopped" || state.phase === "refused") this.#giveUpSending();
  }

  #event(event: ChatEvent, replayed: boolean): void {
    switch (event.type) {
      case "welcome":
        this.#welcome(event);
        break;
      case "message":
        // The server does not send you your own messages, but a replay after a resume can: the room's
        // log does not record who a broadcast left out. You were shown yours when you sent them.
        if (event.id !== null && event.id === this.#me) break;
        this.#view.message({ author: event.name, text: event.text, own: false });
        if (replayed) this.#missedShown += 1;
        break;
      case "error":
        this.#view.notice(`The server said: ${event.message}`, "alert");
        break;
    }
  }

  #welcome(event: Extract<ChatEvent, { type: "welcome" }>): void {
    this.#me = event.id;
    this.#shownName = event.name;
    const missedShown = this.#missedShown;
    this.#missedShown = 0;
    if (event.recovered) {
      this.#view.notice(reconnectedNotice(missedShown, this.#restart !== undefined));
      this.#restart = undefined;
      return;
    }
    this.#sayHeldRestart();
    const resync = this.#resync;
    this.#resync = undefined;
    if (resync !== undefined) this.#view.clear();
    if (event.history.length > 0) this.#view.notice(earlierNotice(event.history.length));
    for (const { name, text, at } of event.history)
      this.#view.message({ author: name, text, own: false, earlier: true, at: new Date(at) });
    if (resync === undefined) {
      this.#view.notice(`You joined #${event.room} as ${event.name}`);
      return;
    }
    this.#view.notice(couldNotResumeNotice(resync, event.room, event.name), "alert");
    for (const text of this.#unsent.splice(0))
      this.#view.message({ author: this.#shownName, text, own: true }).notSent();
  }

  /**
   * Who is in the room changed. Only someone who joins or leaves is a line in the log: one who drops
   * away and comes back (a restart, a network that went away for a moment) is shown away meanwhile.
   */
  #presence(entries: ReadonlyMap<string, PresenceEntry>): void {
    const { joined, left } = this.#people.read(entries, this.#me);
    for (const name of joined) this.#view.notice(`${name} joined`);
    for (const name of left) this.#view.notice(`${name} left`);
    this.#view.people(this.#people.list());
  }

  /** The restart's close, said after all: the resume did not simply follow it. */
  #sayHeldRestart(): void {
    if (this.#restart !== undefined) this.#view.notice(this.#restart, "alert");
    this.#restart = undefined;
  }

  /**
   * The session could not come back (the client is on a new one, and the room welcomes it afresh
   * next), or it came back but the room's log no longer holds all it missed: then the page leaves and
   * joins again, to be shown the room's recent messages.
   */
  #reset(reset: Reset): void {
    this.#resync = reset.reason;
    this.#sayHeldRestart();
    // The new session's presence comes whole: how the room stands, not who came and went.
    this.#people.forget();
    this.#unsent.push(...this.#giveUpSending());
    if (reset.room === undefined) return;
    // After the client has finished handling the welcome that reported it.
    queueMicrotask(() => {
      this.leave("showing the room afresh");
      this.#connection = this.#connect();
    });
  }

  /** Messages of a session that is gone: the server may or may not have taken them. Returns their texts. */
  #giveUpSending(): string[] {
    const texts = [...this.#sending.values()].map(({ text, shown }) => {
      shown.notSent();
      return text;
    });
    this.#sending.clear();
    return texts;
  }
}

/** A sentence the notice goes on from: its closing full stop (or exclamation mark) dropped. */
function withoutFullStop(sentence: string): string {
  return sentence.replace(/[.!]$/, "");
}
