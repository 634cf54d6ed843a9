import { sessionsPart } from "../../durable-objects/index.js";
import { history } from "./history.js";

/** Sessions: `{ sessions }` on a route lets its clients resume with nothing lost. Brings history with it. */
export const sessions = { kind: "sessions", requires: [history], ...sessionsPart } as const;
