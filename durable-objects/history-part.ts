import type { HistoryPart } from "./features.js";
import { RoomHistory } from "./rooms/history.js";

/** Room history (`hypern-workers/features`): a room's broadcasts kept for late joiners and resumes. */
export const historyPart: HistoryPart = {
  history: (sql, wakeAt) => new RoomHistory(sql, wakeAt),
};
