import type { LostReason } from "../../src/client/index.js";

/**
 * The notice after the session came back: how many of the messages it missed the page has shown;
 * `restarted` when it had been away because the server restarted the room (1012).
 */
export function reconnectedNotice(missedShown: number, restarted = false): string {
  const back = restarted ? "Reconnected after a restart" : "Reconnected";
  if (missedShown === 0) return `${back}: nothing missed`;
  return missedShown === 1
    ? `${back}: 1 message you missed is shown above`
    : `${back}: ${missedShown} messages you missed are shown above`;
}

/** The heading over the room's recent messages that a new arrival is shown. */
export function earlierNotice(count: number): string {
  return count === 1
    ? "1 earlier message, from before you joined"
    : `${count} earlier messages, from before you joined`;
}

const WHY_LOST: Readonly<Record<LostReason, string>> = {
  expired: "you were away longer than the server keeps it",
  unknown: "the server does not know it",
  trimmed: "more was said while you were away than the room keeps",
  epoch: "the room's history was started anew",
};

/** The notice after the page could not resume and joined the room afresh. */
export function couldNotResumeNotice(reason: LostReason, room: string, name: string): string {
  return `Could not resume the session (${reason}): ${WHY_LOST[reason]}. You joined #${room} again as ${name}.`;
}
