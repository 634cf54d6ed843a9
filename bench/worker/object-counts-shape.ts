/**
 * What the bench counts in each room object (object-counts.ts); a file of its own, free of Workers types, so that the
 * load generator can name it too.
 */
export interface ObjectCounts {
  /** Times the object's constructor ran: one more than before proves the object was evicted and woke. */
  constructions: number;
  /** SQL statements run, and the rows their cursors read and wrote (`rowsRead`, `rowsWritten`). */
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  /**
   * Calls of the synchronous key-value API (billed as rows: a get reads one, a put or delete writes one) and entries
   * listed.
   */
  kvGets: number;
  kvPuts: number;
  kvDeletes: number;
  kvListed: number;
  /** `setAlarm` calls, each billed as one row written. */
  alarmsSet: number;
  /** Times the object's alarm ran (ours only: its heartbeat's check of silent connections). */
  alarmRuns: number;
}
