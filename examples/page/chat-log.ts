/** How close to the bottom (px) the reader must be for a new entry to scroll the log. */
const FOLLOW_SLACK_PX = 48;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** The list of messages and notices. Text goes in as text, never as HTML. */
export class ChatLog {
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

  message(author: string, text: string, own: boolean): void {
    const item = document.createElement("li");
    item.className = own ? "message own" : "message";
    const header = document.createElement("p");
    header.className = "meta";
    const name = document.createElement("span");
    name.className = "author";
    name.textContent = author;
    const time = document.createElement("time");
    const now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = timeFormat.format(now);
    header.append(name, time);
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    item.append(header, body);
    this.#append(item);
  }

  #append(item: HTMLLIElement): void {
    const list = this.#list;
    const following = list.scrollHeight - list.scrollTop - list.clientHeight <= FOLLOW_SLACK_PX;
    list.append(item);
    if (following) list.scrollTop = list.scrollHeight;
  }
}
