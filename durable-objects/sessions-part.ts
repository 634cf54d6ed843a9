import type { SessionsPart } from "./features.js";
import { HeldSessions } from "./sessions/held-sessions.js";
import { SessionLinks } from "./sessions/session-links.js";
import { SessionTraffic } from "./sessions/session-traffic.js";

/** Sessions (`hypern-workers/features`): resume with nothing lost, acknowledgements, replay. */
export const sessionsPart: SessionsPart = {
  sessions(deps, anyRoute) {
    const held = new HeldSessions(deps, anyRoute);
    return { held, links: new SessionLinks(deps, held), traffic: new SessionTraffic(deps, held) };
  },
};
