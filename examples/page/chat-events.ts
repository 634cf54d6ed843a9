/** A message said before you joined, as the welcome lists them; `at` in epoch milliseconds. */
export interface EarlierMessage {
  readonly id: string | null;
  readonly name: string;
  readonly text: string;
  readonly at: number;
}

/**
 * What examples/chat.ts sends a session client, one JSON object per message (its protocol is
 * described there). Who comes and goes is not among them: the page reads it from the room's presence.
 */
export type ChatEvent =
  | { type: "welcome"; id: string; name: string; room: string; recovered: boolean; history: readonly EarlierMessage[] }
  | { type: "message"; id: string | null; name: string; text: string }
  | { type: "error"; message: string };

const EVENT_TYPES: ReadonlySet<string> = new Set(["welcome", "message", "error"]);

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
