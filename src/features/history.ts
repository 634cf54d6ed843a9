import { historyPart } from "../../durable-objects/index.js";

/**
 * Room history: `new WebSocketRoom(name, { history })` keeps a room's broadcasts in the room object's SQLite
 * storage, for late joiners (`room.history()`) and resumes.
 */
export const history = { kind: "history", requires: [], ...historyPart } as const;
