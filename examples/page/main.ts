import { ChatConnection } from "./chat-connection.js";
import { ChatLog } from "./chat-log.js";
import { ChatRoom } from "./chat-room.js";
import type { ChatView } from "./chat-view.js";
import { PeopleList } from "./people-list.js";
import { roomNameProblem } from "../../src/shared/room-name.js";
import { statusText } from "./status-text.js";

/** The name is remembered per browser; the room lives in the address (`/?room=lobby`) so it can be shared. */
const NAME_KEY = "hypern-chat:name";

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
const peopleList = new PeopleList(element("people", HTMLUListElement), element("members", HTMLElement));
const log = new ChatLog(element("log", HTMLOListElement));

let current: ChatRoom | undefined;

/** The page's DOM as the room shows itself in it. */
const view: ChatView = {
  clear: () => log.clear(),
  notice: (text, tone) => log.notice(text, tone),
  message: (line) => log.message(line),
  people: (people) => peopleList.people(people),
  state: (state) => {
    status.dataset.phase = state.phase;
    statusLabel.textContent = statusText(state);
    // While it reconnects, what you send waits and goes out once the session is back.
    sendButton.disabled = state.phase === "stopped" || state.phase === "refused";
  },
};

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  const room = roomInput.value.trim();
  if (name === "" || room === "" || !checkRoom(room)) return;
  if (current?.room === room && current.name === name && current.phase !== "stopped" && current.phase !== "refused")
    return;
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
  if (current === undefined || text.trim() === "") return;
  if (current.send(text)) messageInput.value = "";
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
  current?.leave("switching rooms");
  log.clear();
  const url = new URL(`/chat/${encodeURIComponent(room)}`, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("name", name);
  document.title = `#${room} · Hypern chat`;
  roomName.textContent = `#${room}`;
  peopleList.clear();
  roomBar.hidden = false;
  current = new ChatRoom(room, name, view, (listener) => new ChatConnection(url.href, listener));
}

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page has no <${type.name}> #${id}`);
  return found;
}
