/** What examples/chat.ts sends, one JSON object per message. */
export type ChatEvent =
  | { type: "welcome"; id: string; name: string; room: string; members: readonly { id: string; name: string }[] }
  | { type: "joined"; id: string; name: string }
  | { type: "message"; id: string | null; name: string; text: string }
  | { type: "left"; id: string; name: string }
  | { type: "error"; message: string };

const EVENT_TYPES: ReadonlySet<string> = new Set(["welcome", "joined", "message", "left", "error"]);

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
