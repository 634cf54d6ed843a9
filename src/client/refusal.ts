import { SESSION_PROTOCOL } from "../shared/session-protocol.js";
import type { Explanation } from "./close-info.js";
import { isFinalRefusal } from "./final-rules.js";

/** The longest part of a server's answer put in `why`: its reason, not a page of it. */
const LONGEST_TEXT = 300;

/** An answer's body as words: the text of a plain-text one (the Worker's refusals are), cut short; "" for any other. */
export function serverText(contentType: string | null | undefined, body: string): string {
  if (contentType?.toLowerCase().startsWith("text/plain") !== true) return "";
  const text = body.trim();
  return text.length > LONGEST_TEXT ? `${text.slice(0, LONGEST_TEXT - 1)}…` : text;
}

/**
 * The server refused with an HTTP status and (plain) text. `answered` says to what, starting the
 * sentence: "The server refused the upgrade with", or what a plain GET of the address showed.
 */
export function refusal(answered: string, status: number, text: string): Explanation {
  return {
    why: `${answered} HTTP ${status}: ${text === "" ? "no reason given" : text}`,
    status,
    final: isFinalRefusal(status, text),
  };
}

/** The server accepted the upgrade without the session subprotocol: the route has no `sessions`. */
export function withoutSessions(url: string): Explanation {
  const path = new URL(url).pathname;
  return {
    why:
      `The route at ${path} does not have sessions (the server did not select the ${SESSION_PROTOCOL} ` +
      `subprotocol): add \`sessions: true\` to its options`,
    final: true,
  };
}
