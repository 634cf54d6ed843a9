import type { SessionParts } from "./sessions/session-parts.js";

/** A socket that carries a session from before the app lost its sessions (a deploy): its client should come back. */
const NO_LONGER_SERVED = { code: 1012, reason: "Sessions are no longer served here" } as const;

function noSessions(): never {
  throw new Error("This room object was built without sessions");
}

/**
 * The sessions of an app built without them: none are held, no socket carries one, and no connection's
 * end lets one go on. What only a session could ask for is refused.
 */
export const WITHOUT_SESSIONS: SessionParts = {
  held: {
    sweep: () => null,
    counts: () => ({ sessions: 0, resumable: 0 }),
    copied() {},
    restarted() {},
    dropped: () => [],
    nextExpiry: () => null,
    sessionOf: () => null,
    endOldestDropped: () => false,
  },
  links: {
    release() {},
    recover: noSessions,
    open: noSessions,
    closeAll() {},
    changed() {},
    membershipChanged() {},
    ended: () => false,
  },
  traffic: {
    receive: () => NO_LONGER_SERVED,
    sendDirect: noSessions,
    sendWhenReleased: noSessions,
    keep: () => false,
    keepFor: () => false,
    roomBacklogOver: noSessions,
    sent: noSessions,
    envelope: noSessions,
  },
};
