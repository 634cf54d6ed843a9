import { addMissingColumns } from "../storage/columns.js";
import { freeOwnerNumber, slotKey } from "../storage/slot-keys.js";

/**
 * Makes the tables of the rooms' histories: each room's head (`hypern_history_head`) and their entries
 * (`hypern_history`, keyed by the room's number and slot); and takes over those of an earlier version.
 */
export function createHistoryTables(sql: SqlStorage): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS hypern_history_head (room TEXT PRIMARY KEY, owner INTEGER NOT NULL UNIQUE, epoch " +
      "TEXT NOT NULL, last_offset INTEGER NOT NULL, ring INTEGER NOT NULL)",
  );
  sql.exec(
    "CREATE TABLE IF NOT EXISTS hypern_history (key INTEGER PRIMARY KEY, offset INTEGER NOT NULL, at INTEGER NOT " +
      "NULL, text TEXT, bytes BLOB, weight INTEGER NOT NULL, exclude TEXT, place INTEGER)",
  );
  addMissingColumns(sql, "hypern_history", { place: "INTEGER" });
  adoptEarlierTables(sql);
}

/** Whether the object has ever kept history (so that an object that has not is not given tables by a sweep). */
export function hasHistoryTables(sql: SqlStorage): boolean {
  return (
    sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ('hypern_history_head', 'hypern_log_head')")
      .toArray().length > 0
  );
}

/**
 * An earlier version kept each entry as a row of its own (`hypern_log`, `hypern_log_head`): every
 * room's entries and head move over at once (a room already started in the new tables keeps its own),
 * each entry in the slot of its offset until the next append counts the slots by the room's limit
 * (see history-ring.ts); then the earlier tables go, so that nothing of them comes back over later changes.
 */
function adoptEarlierTables(sql: SqlStorage): void {
  if (sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hypern_log_head'").toArray().length === 0)
    return;
  const heads = sql
    .exec<{ room: string; epoch: string; last_offset: number }>("SELECT room, epoch, last_offset FROM hypern_log_head")
    .toArray();
  for (const { room, epoch, last_offset } of heads) {
    if (sql.exec("SELECT 1 FROM hypern_history_head WHERE room = ?", room).toArray().length > 0) continue;
    const owner = freeOwnerNumber(sql, "hypern_history_head", "owner");
    sql.exec(
      "INSERT INTO hypern_history_head (room, owner, epoch, last_offset, ring) VALUES (?, ?, ?, ?, 0)",
      room,
      owner,
      epoch,
      last_offset,
    );
    sql.exec(
      "INSERT INTO hypern_history (key, offset, at, text, bytes, weight, exclude) SELECT ? + offset, offset, at, " +
        "text, bytes, weight, exclude FROM hypern_log WHERE room = ?",
      slotKey(owner, 0),
      room,
    );
  }
  sql.exec("DROP TABLE IF EXISTS hypern_log");
  sql.exec("DROP TABLE hypern_log_head");
}
