import type { ChatView, MessageLine, SentMessage } from "./chat-view.js";

/** How close to the bottom (px) the reader must be for a new entry to scroll the log. */
const FOLLOW_SLACK_PX = 48;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** The list of messages and notices. Text goes in as text, never as HTML. */
export class ChatLog implements Pick<ChatView, "clear" | "notice" | "message"> {
  readonly #list: HTMLOListElement;

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  clear(): void {
    this.#list.replaceChildren();
  }

  /** A line about the room or the connection; "alert" for trouble. */
  notice(text: string, tone: "info" | "alert" = "info"): void {
    const item = document.createElement("li");
    item.className = `notice ${tone}`;
    item.textContent = text;
    this.#append(item);
  }

  message(line: MessageLine): SentMessage {
    const item = document.createElement("li");
    item.className = ["message", line.own && "own", line.earlier && "earlier", line.pending && "pending"]
      .filter(Boolean)
      .join(" ");
    const header = document.createElement("p");
    header.className = "meta";
    const name = document.createElement("span");
    name.className = "author";
    name.textContent = line.author;
    const time = document.createElement("time");
    const at = line.at ?? new Date();
    time.dateTime = at.toISOString();
    time.textContent = timeFormat.format(at);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = line.pending ? "sending…" : "";
    header.append(name, time, state);
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = line.text;
    item.append(header, body);
    this.#append(item);
    return {
      sent: () => {
        item.classList.remove("pending");
        state.textContent = "";
      },
      notSent: () => {
        item.classList.remove("pending");
        item.classList.add("unsent");
        state.textContent = "may not have been sent";
      },
    };
  }

  #append(item: HTMLLIElement): void {
    const list = this.#list;
    const following = list.scrollHeight - list.scrollTop - list.clientHeight <= FOLLOW_SLACK_PX;
    list.append(item);
    if (following) list.scrollTop = list.scrollHeight;
  }
}
