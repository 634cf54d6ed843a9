import type { ConnectionState } from "./chat-connection.js";
import { ChatConnection } from "./chat-connection.js";
import type { ChatEvent } from "./chat-events.js";
import { ChatLog } from "./chat-log.js";
import { describeClose } from "./close-codes.js";
import { roomNameProblem } from "../../src/shared/room-name.js";
import { seconds, statusText } from "./status-text.js";

/** The name is remembered per browser; the room lives in the address (`/?room=lobby`) so it can be shared. */
const NAME_KEY = "hypern-chat:name";

interface Session {
  readonly room: string;
  readonly name: string;
  readonly connection: ChatConnection;
  phase: ConnectionState["phase"];
  /** The name the server gave us (it trims and shortens what we asked for). */
  shownName: string;
  /** Who is in the room, by connection id. */
  people: Map<string, string>;
  welcomes: number;
}

const joinForm = element("join", HTMLFormElement);
const nameInput = element("name", HTMLInputElement);
const roomInput = element("room", HTMLInputElement);
const roomProblem = element("room-problem", HTMLElement);
const composer = element("composer", HTMLFormElement);
const messageInput = element("message", HTMLInputElement);
const sendButton = element("send", HTMLButtonElement);
const status = element("status", HTMLElement);
const statusLabel = element("status-text", HTMLElement);
const roomBar = element("room-bar", HTMLElement);
const roomName = element("room-name", HTMLElement);
const memberCount = element("members", HTMLElement);
const peopleList = element("people", HTMLUListElement);
const log = new ChatLog(element("log", HTMLOListElement));

let session: Session | undefined;

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  const room = roomInput.value.trim();
  if (name === "" || room === "" || !checkRoom(room)) return;
  if (session?.room === room && session.name === name && session.phase !== "stopped" && session.phase !== "refused") return;
  localStorage.setItem(NAME_KEY, name);
  history.replaceState(null, "", `?room=${encodeURIComponent(room)}`);
  enter(room, name);
  messageInput.focus();
});

roomInput.addEventListener("input", () => checkRoom(roomInput.value.trim()));
// The reason is already written under the form: no browser bubble repeating it.
roomInput.addEventListener("invalid", (event) => {
  if (roomProblem.textContent === "") return;
  event.preventDefault();
  roomInput.focus();
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = messageInput.value;
  if (session === undefined || text.trim() === "") return;
  if (!session.connection.send(text)) return;
  log.message(session.shownName, text, true);
  messageInput.value = "";
});

resumeFromAddress();

/** After a reload (or from a shared link with a remembered name), go straight back into the room. */
function resumeFromAddress(): void {
  const room = new URLSearchParams(location.search).get("room")?.trim();
  const name = localStorage.getItem(NAME_KEY);
  if (name !== null) nameInput.value = name;
  if (room) roomInput.value = room;
  if (room && name && checkRoom(room)) enter(room, name);
}

/**
 * Says in the form why the server would refuse this room name, so the page does not connect only to
 * be refused; true when the name is fine. An empty field is left to the input's `required`.
 */
function checkRoom(room: string): boolean {
  const problem = room === "" ? undefined : roomNameProblem(room);
  roomInput.setCustomValidity(problem ?? "");
  if (problem === undefined) roomInput.removeAttribute("aria-invalid");
  else roomInput.setAttribute("aria-invalid", "true");
  roomProblem.textContent = problem ?? "";
  return problem === undefined;
}

function enter(room: string, name: string): void {
  session?.connection.end("switching rooms");
  log.clear();
  const url = new URL(`/chat/${encodeURIComponent(room)}`, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("name", name);
  const current: Session = {
    room,
    name,
    connection: new ChatConnection(url.href, {
      state: (state) => showState(current, state),
      event: (event) => showEvent(current, event),
    }),
    phase: "connecting",
    shownName: name,
    people: new Map(),
    welcomes: 0,
  };
  session = current;
  document.title = `#${room} · Hypern chat`;
  roomName.textContent = `#${room}`;
  memberCount.textContent = "";
  peopleList.replaceChildren();
  roomBar.hidden = false;
  current.connection.start();
}

function showState(current: Session, state: ConnectionState): void {
  current.phase = state.phase;
  status.dataset.phase = state.phase;
  statusLabel.textContent = statusText(state);
  sendButton.disabled = state.phase !== "open";
  if (state.phase === "retrying" || state.phase === "stopped") {
    const next = state.phase === "retrying" ? `Reconnecting in ${seconds(state.delayMs)}.` : "Join again to retry.";
    log.notice(`Connection closed: ${describeClose(state.close.code, state.close.reason)}. ${next}`, "alert");
  }
  if (state.phase === "refused") {
    const reason = state.refusal.reason.replace(/[.!]$/, "");
    log.notice(`The server refused to connect (HTTP ${state.refusal.status}): ${reason}. Not retrying.`, "alert");
  }
}

function showEvent(current: Session, event: ChatEvent): void {
  switch (event.type) {
    case "welcome":
      current.welcomes += 1;
      current.shownName = event.name;
      log.notice(current.welcomes === 1 ? `You joined #${event.room} as ${event.name}` : `Back in #${event.room} as ${event.name}`);
      current.people = new Map(event.members.map(({ id, name }) => [id, name]));
      showPeople(current);
      break;
    case "joined":
      log.notice(`${event.name} joined`);
      current.people.set(event.id, event.name);
      showPeople(current);
      break;
    case "left":
      log.notice(`${event.name} left`);
      current.people.delete(event.id);
      showPeople(current);
      break;
    case "message":
      log.message(event.name, event.text, false);
      break;
    case "error":
      log.notice(`The server said: ${event.message}`, "alert");
      break;
  }
}

/** How many are here, and who: the server's welcome lists them, joined and left keep the list. */
function showPeople(current: Session): void {
  const count = current.people.size;
  memberCount.textContent = count === 1 ? "1 person here" : `${count} people here`;
  const names = [...current.people.values()].sort((a, b) => a.localeCompare(b));
  peopleList.replaceChildren(...names.map((name) => Object.assign(document.createElement("li"), { textContent: name })));
}

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page has no <${type.name}> #${id}`);
  return found;
}
