/**
 * The room names a placement may return: 1 to 256 letters or digits of any script, or `_ . : @ ~ - /`.
 * The Worker refuses others with HTTP 400; the chat page checks a name with the same rule before it
 * connects, and says what is wrong with it.
 */
const CHARACTER = String.raw`[\p{L}\p{N}_.:@~\-/]`;
const LONGEST = 256;
const ROOM_NAME = new RegExp(`^${CHARACTER}{1,${LONGEST}}$`, "u");
const ALLOWED_CHARACTER = new RegExp(`^${CHARACTER}$`, "u");

const ROOM_NAME_RULE = "Use letters, digits or _ . : @ ~ - /";

export function isValidRoomName(name: unknown): name is string {
  return typeof name === "string" && ROOM_NAME.test(name);
}

/** Why the server would refuse this room name, in words for the form; undefined when it would not. */
export function roomNameProblem(room: string): string | undefined {
  const characters = [...room];
  if (characters.length === 0) return `Enter a room name. ${ROOM_NAME_RULE}.`;
  if (characters.length > LONGEST)
    return `A room name has at most ${LONGEST} characters; this one has ${characters.length}.`;
  const refused = [...new Set(characters.filter((character) => !ALLOWED_CHARACTER.test(character)))];
  if (refused.length === 0) return undefined;
  return `A room name cannot contain ${inWords(refused)}. ${ROOM_NAME_RULE}.`;
}

/** Names at most this many of the characters it cannot contain. */
const NAMED_AT_MOST = 4;

/** [" ", "#", "!"] → `spaces, “#” or “!”`; invisible characters by their code point. */
function inWords(characters: readonly string[]): string {
  const named = characters.slice(0, NAMED_AT_MOST).map(nameOf);
  if (characters.length > NAMED_AT_MOST) named.push("others");
  return named.length === 1 ? (named[0] ?? "") : `${named.slice(0, -1).join(", ")} or ${named.at(-1) ?? ""}`;
}

function nameOf(character: string): string {
  if (character === " ") return "spaces";
  if (/^[\p{White_Space}\p{C}]$/u.test(character)) {
    return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return `“${character}”`;
}
