/** Who the HTTP API's messages are from: no chat client may take this name. */
export const SERVER_NAME = "server";

/** Names are cut to this many UTF-16 units. */
const LONGEST = 32;

/** Control characters, and the bidirectional formatting characters that reorder the text around them. */
const REFUSED = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * The name a chat client asked for, trimmed and cut to length, or undefined when it may not have it:
 * empty, the server's name, or with characters that reorder or hide what the others would see. Such
 * a name is refused whole rather than cleaned: with those characters taken out it would be a name
 * the person did not type, and could become the server's.
 */
export function chatName(asked: string | null): string | undefined {
  const name = asked?.trim().slice(0, LONGEST).trim();
  if (!name || REFUSED.test(name) || readsAsServer(name)) return undefined;
  return name;
}

/** In any case, in full-width letters, or with invisible format characters (a zero-width space) in it. */
function readsAsServer(name: string): boolean {
  return (
    name
      .normalize("NFKC")
      .replace(/\p{Cf}/gu, "")
      .trim()
      .toLowerCase() === SERVER_NAME
  );
}
