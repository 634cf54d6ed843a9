import type { HeldSessions } from "./held-sessions.js";
import type { SessionLinks } from "./session-links.js";
import type { SessionTraffic } from "./session-traffic.js";

/**
 * What the rest of a room object asks of its sessions: the held sessions, their links to connections,
 * and their traffic. An app built without sessions has a stand-in that holds none.
 */
export interface SessionParts {
  readonly held: Pick<
    HeldSessions,
    "sweep" | "counts" | "copied" | "restarted" | "dropped" | "nextExpiry" | "sessionOf" | "endOldestDropped"
  >;
  readonly links: Pick<
    SessionLinks,
    "release" | "recover" | "open" | "closeAll" | "changed" | "membershipChanged" | "ended"
  >;
  readonly traffic: Pick<
    SessionTraffic,
    "receive" | "sendDirect" | "sendWhenReleased" | "keep" | "keepFor" | "roomBacklogOver" | "sent" | "envelope"
  >;
}
