/** Someone in the room, as the server names them. */
export interface Person {
  readonly id: string;
  readonly name: string;
}

/** A message said before you joined, as the welcome lists them; `at` in epoch milliseconds. */
export interface EarlierMessage {
  readonly id: string | null;
  readonly name: string;
  readonly text: string;
  readonly at: number;
}

/** What examples/chat.ts sends, one JSON object per message (its protocol is described there). */
export type ChatEvent =
  | { type: "welcome"; id: string; name: string; room: string; members: readonly Person[]; recovered: boolean; history: readonly EarlierMessage[] }
  | { type: "joined"; id: string; name: string }
  | { type: "back"; id: string; name: string }
  | { type: "message"; id: string | null; name: string; text: string }
  | { type: "left"; id: string; name: string }
  | { type: "error"; message: string };

const EVENT_TYPES: ReadonlySet<string> = new Set(["welcome", "joined", "back", "message", "left", "error"]);

/** The event in a text frame, or undefined for anything this page does not know. */
export function parseChatEvent(data: unknown): ChatEvent | undefined {
  if (typeof data !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === "string" && EVENT_TYPES.has(type) ? (value as ChatEvent) : undefined;
}
