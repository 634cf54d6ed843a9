import type { SessionParts } from "./sessions/session-parts.js";

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
    receive: noSessions,
    sendDirect: noSessions,
    keep: () => false,
    keepFor: () => false,
    roomBacklogOver: noSessions,
    sent: noSessions,
    envelope: noSessions,
  },
};
