import { describe, expect, it } from "vitest";
import type { PresenceEntry } from "../../src/client/index.js";
import type { ConnectionListener, ConnectionState } from "../../examples/page/chat-connection.js";
import type { ChatEvent, EarlierMessage } from "../../examples/page/chat-events.js";
import { ChatRoom } from "../../examples/page/chat-room.js";
import type { ChatView, MessageLine } from "../../examples/page/chat-view.js";
import type { ShownPerson } from "../../examples/page/room-people.js";

type Line =
  { notice: string; tone: "info" | "alert" } | (MessageLine & { status: "pending" | "sent" | "not sent" | "shown" });

/** Someone in the room, as the server names them: a connection id and a name. */
interface Person {
  readonly id: string;
  readonly name: string;
}

/** The room's view, as a record: the log's lines, who is here (those away marked), the states shown. */
class RecordedView implements ChatView {
  lines: Line[] = [];
  present: readonly string[] = [];
  states: ConnectionState[] = [];

  clear(): void {
    this.lines = [];
  }

  notice(text: string, tone: "info" | "alert" = "info"): void {
    this.lines.push({ notice: text, tone });
  }

  message(line: MessageLine): { sent(): void; notSent(): void } {
    const shown: Line = { ...line, status: line.pending ? "pending" : "shown" };
    this.lines.push(shown);
    return { sent: () => void (shown.status = "sent"), notSent: () => void (shown.status = "not sent") };
  }

  people(people: readonly ShownPerson[]): void {
    this.present = people.map(({ name, away }) => (away ? `${name} (away)` : name));
  }

  state(state: ConnectionState): void {
    this.states.push(state);
  }

  notices(): string[] {
    return this.lines.flatMap((line) => ("notice" in line ? [line.notice] : []));
  }

  messages(): { author: string; text: string; status: string; earlier?: boolean }[] {
    return this.lines.flatMap((line) =>
      "notice" in line
        ? []
        : [{ author: line.author, text: line.text, status: line.status, ...(line.earlier && { earlier: true }) }],
    );
  }
}

/** A connection the test speaks for: what the page sent on it, and whether the page ended it. */
class ScriptedConnection {
  readonly sent: string[] = [];
  ended: string | undefined;
  stopped = false;

  constructor(readonly listener: ConnectionListener) {}

  send(text: string): string | undefined {
    if (this.stopped || this.ended !== undefined) return undefined;
    this.sent.push(text);
    return `id-${this.sent.length}`;
  }

  end(reason: string): void {
    this.ended = reason;
  }

  hear(event: ChatEvent, replayed = false): void {
    this.listener.event(event, replayed);
  }

  /** The room's presence now, as the session client would hand it over: these people, those in `away` away. */
  see(people: readonly Person[], away: readonly Person[] = []): void {
    const entry = (person: Person, isAway: boolean): [string, PresenceEntry] => [
      person.id,
      { k: person.id, d: { name: person.name }, n: isAway ? 0 : 1, a: isAway },
    ];
    this.listener.presence(
      new Map([
        ...people.map((person) => entry(person, away.includes(person))),
        ...away.filter((person) => !people.includes(person)).map((person) => entry(person, true)),
      ]),
    );
  }
}

const ADA: Person = { id: "c-ada", name: "ada" };
const BO: Person = { id: "c-bo", name: "bo" };
const CY: Person = { id: "c-cy", name: "cy" };

function welcome(options: { recovered?: boolean; history?: EarlierMessage[]; me?: Person } = {}): ChatEvent {
  const me = options.me ?? ADA;
  return {
    type: "welcome",
    ...me,
    room: "lobby",
    recovered: options.recovered ?? false,
    history: options.history ?? [],
  };
}

function enter(): { room: ChatRoom; view: RecordedView; connections: ScriptedConnection[] } {
  const view = new RecordedView();
  const connections: ScriptedConnection[] = [];
  const room = new ChatRoom("lobby", "ada", view, (listener) => {
    const connection = new ScriptedConnection(listener);
    connections.push(connection);
    return connection;
  });
  return { room, view, connections };
}

const close = { code: 1012, reason: "room restarted by the server" };

describe("a chat room on the page (its logic, without a browser)", () => {
  it("shows a new arrival what was said before, as such, then says it joined", () => {
    const { view, connections } = enter();
    const [connection] = connections;
    connection!.see([ADA, BO]);
    connection!.hear(
      welcome({
        history: [
          { id: BO.id, name: "bo", text: "anyone?", at: Date.UTC(2026, 0, 1, 9, 30) },
          { id: null, name: "server", text: "maintenance at noon", at: Date.UTC(2026, 0, 1, 9, 31) },
        ],
      }),
    );
    expect(view.notices()).toEqual(["2 earlier messages, from before you joined", "You joined #lobby as ada"]);
    expect(view.lines.filter((line) => !("notice" in line))).toEqual([
      {
        author: "bo",
        text: "anyone?",
        own: false,
        earlier: true,
        at: new Date(Date.UTC(2026, 0, 1, 9, 30)),
        status: "shown",
      },
      {
        author: "server",
        text: "maintenance at noon",
        own: false,
        earlier: true,
        at: new Date(Date.UTC(2026, 0, 1, 9, 31)),
        status: "shown",
      },
    ]);
    expect(view.present).toEqual(["ada", "bo"]);
  });

  it(
    "after a restart, shows what was missed once and leaves out its own messages, in one line once back; " +
      "nobody is said to leave or come back",
    () => {
      const { room, view, connections } = enter();
      const connection = connections[0]!;
      connection.see([ADA, BO]);
      connection.hear(welcome());
      room.send("me too");
      connection.listener.acknowledged("id-1");
      connection.listener.state({ phase: "retrying", attempt: 1, delayMs: 400, close });
      expect(room.send("written while away")).toBe(true);
      connection.listener.state({ phase: "connecting", attempt: 1 });
      connection.listener.state({ phase: "open" });
      // The replay: the room's log since ada's place in it, her own broadcasts included.
      connection.hear({ type: "message", ...ADA, text: "me too" }, true);
      connection.hear({ type: "message", ...BO, text: "said while you were away" }, true);
      connection.hear({ type: "message", id: null, name: "server", text: "pushed" }, true);
      // Her presence is back; bo's not yet (he restarted too), then it is.
      connection.see([ADA, BO], [BO]);
      connection.hear(welcome({ recovered: true }));
      connection.listener.acknowledged("id-2");
      expect(view.present).toEqual(["ada", "bo (away)"]);
      connection.see([ADA, BO]);

      expect(view.notices()).toEqual([
        "You joined #lobby as ada",
        "Reconnected after a restart: 2 messages you missed are shown above",
      ]);
      expect(view.messages()).toEqual([
        { author: "ada", text: "me too", status: "sent" },
        { author: "ada", text: "written while away", status: "sent" },
        { author: "bo", text: "said while you were away", status: "shown" },
        { author: "server", text: "pushed", status: "shown" },
      ]);
      expect(view.present).toEqual(["ada", "bo"]);
      expect(connection.sent).toEqual(["me too", "written while away"]);
    },
  );

  it("says a restart's close after all when the resume does not follow it at once", () => {
    const { view, connections } = enter();
    const connection = connections[0]!;
    connection.hear(welcome());
    connection.listener.state({ phase: "retrying", attempt: 1, delayMs: 400, close });
    expect(view.notices()).toEqual(["You joined #lobby as ada"]);
    connection.listener.state({ phase: "connecting", attempt: 1 });
    connection.listener.state({ phase: "retrying", attempt: 2, delayMs: 800, close: { code: 1006, reason: "" } });
    connection.listener.state({ phase: "connecting", attempt: 2 });
    connection.listener.state({ phase: "open" });
    connection.hear(welcome({ recovered: true }));
    expect(view.notices()).toEqual([
      "You joined #lobby as ada",
      "Connection closed: 1012 service restart (“room restarted by the server”). Reconnecting in 0.4 s.",
      "Connection closed: 1006 abnormal closure, no close frame. Reconnecting in 0.8 s.",
      "Reconnected: nothing missed",
    ]);

    const lost = enter();
    lost.connections[0]!.hear(welcome());
    lost.connections[0]!.listener.state({ phase: "retrying", attempt: 1, delayMs: 400, close });
    lost.connections[0]!.listener.reset({ reason: "expired", unsent: [] });
    expect(lost.view.notices()).toEqual([
      "You joined #lobby as ada",
      "Connection closed: 1012 service restart (“room restarted by the server”). Reconnecting in 0.4 s.",
    ]);
  });

  it("says so when it came back without having missed anything", () => {
    const { view, connections } = enter();
    connections[0]!.hear(welcome());
    connections[0]!.hear(welcome({ recovered: true }));
    expect(view.notices()).toEqual(["You joined #lobby as ada", "Reconnected: nothing missed"]);
  });

  it(
    "keeps the people list from the room's presence: joining and leaving are lines, going away and coming " +
      "back are not",
    () => {
      const { view, connections } = enter();
      const connection = connections[0]!;
      // How the room stands when you come in is not news.
      connection.see([ADA, BO]);
      connection.hear(welcome());
      expect(view.present).toEqual(["ada", "bo"]);
      connection.see([ADA, BO, CY]);
      expect(view.present).toEqual(["ada", "bo", "cy"]);
      connection.see([ADA, BO, CY], [BO]);
      expect(view.present).toEqual(["ada", "bo (away)", "cy"]);
      connection.see([ADA, BO, CY]);
      connection.see([ADA, BO, CY]); // told again: no news
      connection.see([ADA, CY]);
      expect(view.present).toEqual(["ada", "cy"]);
      expect(view.notices()).toEqual(["You joined #lobby as ada", "cy joined", "bo left"]);
    },
  );

  it("counts two people of one name as two, and never says that you came or went", () => {
    const { view, connections } = enter();
    const connection = connections[0]!;
    const otherAda: Person = { id: "c-ada-2", name: "ada" };
    connection.see([ADA]);
    connection.hear(welcome());
    connection.see([ADA, otherAda]);
    expect(view.present).toEqual(["ada", "ada"]);
    connection.see([otherAda]); // your own entry gone (you are leaving): not said
    connection.see([]);
    expect(view.notices()).toEqual(["You joined #lobby as ada", "ada joined", "ada left"]);
  });

  it("shows the room afresh when the session could not be resumed, with what may not have been sent", () => {
    const { room, view, connections } = enter();
    const connection = connections[0]!;
    connection.see([ADA, BO]);
    connection.hear(welcome());
    connection.hear({ type: "message", ...BO, text: "before" });
    connection.listener.state({ phase: "retrying", attempt: 1, delayMs: 400, close: { code: 1006, reason: "" } });
    room.send("lost in the gap");
    // The client is on a new session already: the server welcomes it as a new arrival, its presence whole first.
    connection.listener.reset({ reason: "expired", unsent: ["id-1"] });
    expect(view.messages().at(-1)).toEqual({ author: "ada", text: "lost in the gap", status: "not sent" });
    const me: Person = { id: "c-ada-2", name: "ada" };
    connection.see([me, CY]);
    connection.hear(welcome({ me, history: [{ id: BO.id, name: "bo", text: "before", at: 0 }] }));
    expect(view.present).toEqual(["ada", "cy"]);

    expect(view.notices()).toEqual([
      "1 earlier message, from before you joined",
      "Could not resume the session (expired): you were away longer than the server keeps it. You joined #lobby " +
        "again as ada.",
    ]);
    expect(view.lines.find((line) => "notice" in line && line.notice.startsWith("Could not"))).toMatchObject({
      tone: "alert",
    });
    expect(view.messages()).toEqual([
      { author: "bo", text: "before", status: "shown", earlier: true },
      { author: "ada", text: "lost in the gap", status: "not sent" },
    ]);
    expect(connections).toHaveLength(1);
  });

  it(
    "joins again when the room's log no longer holds all it missed, and hears nothing more from the " +
      "old connection",
    async () => {
      const { view, connections } = enter();
      const old = connections[0]!;
      old.hear(welcome());
      old.listener.reset({ reason: "trimmed", room: "chat", unsent: [] });
      await Promise.resolve();
      expect(old.ended).toBe("showing the room afresh");
      expect(connections).toHaveLength(2);
      old.hear({ type: "message", ...BO, text: "from the old connection" });
      old.hear(welcome({ recovered: true }));
      old.see([ADA, BO, CY]);
      expect(view.notices()).toEqual(["You joined #lobby as ada"]);
      expect(view.messages()).toEqual([]);

      connections[1]!.see([ADA, BO]);
      connections[1]!.hear(welcome({ history: [{ id: BO.id, name: "bo", text: "recent", at: 0 }] }));
      expect(view.present).toEqual(["ada", "bo"]);
      expect(view.notices()).toEqual([
        "1 earlier message, from before you joined",
        "Could not resume the session (trimmed): more was said while you were away than the room keeps. You joined " +
          "#lobby again as ada.",
      ]);
      expect(view.messages()).toEqual([{ author: "bo", text: "recent", status: "shown", earlier: true }]);
    },
  );

  it(
    "says why the connection closed and whether it tries again; gives up on what it had not sent when it " + "stops",
    () => {
      const { room, view, connections } = enter();
      const connection = connections[0]!;
      connection.hear(welcome());
      room.send("unanswered");
      connection.listener.state({ phase: "stopped", close: { code: 1008, reason: "banned" } });
      connection.stopped = true;
      expect(room.send("after the end")).toBe(false);
      expect(room.phase).toBe("stopped");
      expect(view.notices().at(-1)).toBe("Connection closed: 1008 policy violation (“banned”). Join again to retry.");
      expect(view.messages()).toEqual([{ author: "ada", text: "unanswered", status: "not sent" }]);

      const refusal = { status: 400, why: "The server refused the upgrade with HTTP 400: Invalid room name." };
      const refused = enter();
      refused.connections[0]!.listener.state({ phase: "refused", refusal });
      expect(refused.view.notices()).toEqual([
        "Could not connect: The server refused the upgrade with HTTP 400: Invalid room name. Not retrying.",
      ]);
      expect(refused.view.states).toEqual([{ phase: "refused", refusal }]);
    },
  );

  it("says why a connection that never opened failed, as the client worked it out", () => {
    const { view, connections } = enter();
    const why = "The upgrade failed, and a plain GET of the address got no answer (Failed to fetch)";
    connections[0]!.listener.state({
      phase: "retrying",
      attempt: 1,
      delayMs: 400,
      close: { code: 1006, reason: "", why },
    });
    expect(view.notices()).toEqual([`Could not connect: ${why}. Reconnecting in 0.4 s.`]);
  });
});
