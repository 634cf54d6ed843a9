import type { ChatView } from "./chat-view.js";
import type { ShownPerson } from "./room-people.js";

/** Who is in the room, listed by name, and how many. Someone away is dimmed, and says so to a screen reader. */
export class PeopleList implements Pick<ChatView, "people"> {
  readonly #list: HTMLUListElement;
  readonly #count: HTMLElement;

  constructor(list: HTMLUListElement, count: HTMLElement) {
    this.#list = list;
    this.#count = count;
  }

  people(people: readonly ShownPerson[]): void {
    this.#count.textContent = countText(people);
    this.#list.replaceChildren(...people.map(personItem));
  }

  clear(): void {
    this.#count.textContent = "";
    this.#list.replaceChildren();
  }
}

/** "2 people here", and how many are away when any are: "1 person here, 1 away". */
function countText(people: readonly ShownPerson[]): string {
  const away = people.filter((person) => person.away).length;
  const here = people.length - away;
  const count = here === 1 ? "1 person here" : `${here} people here`;
  return away === 0 ? count : `${count}, ${away} away`;
}

function personItem(person: ShownPerson): HTMLLIElement {
  const item = document.createElement("li");
  item.textContent = person.name;
  if (person.away) {
    item.className = "away";
    item.title = `${person.name} is away: their connection dropped, and may come back`;
    const said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = " (away)";
    item.append(said);
  }
  return item;
}
