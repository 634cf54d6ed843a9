/**
 * Rows that one owner (a room's history, a session's messages) writes over in slots live in a table
 * whose INTEGER PRIMARY KEY is the owner's number and the slot together: a slot is written over in one
 * row (a table keyed by text and slot writes an index row too), and a row of a kilobyte stays in its
 * page (a table without row ids moves such a row's payload to an overflow page, four times the size).
 */
const SLOTS_PER_OWNER = 2 ** 32;

/** The most slots one owner may have. */
export const MAX_SLOTS = SLOTS_PER_OWNER;

/** The key of an owner's slot. */
export function slotKey(owner: number, slot: number): number {
  return owner * SLOTS_PER_OWNER + slot;
}

/** The first and last keys of an owner's slots, for `key BETWEEN ? AND ?`. */
export function ownerKeys(owner: number): [first: number, last: number] {
  return [owner * SLOTS_PER_OWNER, owner * SLOTS_PER_OWNER + SLOTS_PER_OWNER - 1];
}

/**
 * The lowest owner number no row of `table` holds in `column`: numbers are reused as owners end, so
 * they stay as few as the owners there are (and every key a safe integer).
 */
export function freeOwnerNumber(sql: SqlStorage, table: string, column: string): number {
  const taken = `SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL`;
  return sql
    .exec<{ free: number }>(
      `SELECT MIN(candidate) AS free FROM (SELECT 1 AS candidate UNION ALL SELECT ${column} + 1 FROM ${table} ` +
        `WHERE ${column} IS NOT NULL) WHERE candidate NOT IN (${taken})`,
    )
    .one().free;
}
